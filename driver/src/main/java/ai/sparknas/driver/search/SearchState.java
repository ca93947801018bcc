package ai.sparknas.driver.search;

import ai.sparknas.driver.optim.Adam;
import ai.sparknas.driver.optim.SgdMomentum;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Everything a search step changes: ω, α, and the two optimizers' state. */
public record SearchState(INDArray weights, INDArray alpha, SgdMomentum weightOptimizer, Adam alphaOptimizer) {

    /**
     * SHA-256 over the exact bits of ω, α, the momentum buffer and Adam's moments: equal digests
     * mean bit-identical states (how runs on different backends or after a fault are compared).
     */
    public String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (INDArray a : new INDArray[] {weights, alpha, weightOptimizer.momentumBuffer(), alphaOptimizer.m(),
                alphaOptimizer.v()}) {
                if (a == null) {
                    md.update((byte) 0);
                    continue;
                }
                double[] v = a.toDoubleVector();
                ByteBuffer b = ByteBuffer.allocate(8 * v.length);
                b.asDoubleBuffer().put(v);
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
