package ai.sparknas.driver.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The checkpoint file: magic {@code SPARKNAS-CKPT}, format version, a JSON header (config, position,
 * counters), the vectors as raw big-endian doubles (length-prefixed, −1 for absent), and a SHA-256 of
 * everything before it. A truncated file or a flipped bit fails {@link #decode} with a
 * {@link CorruptCheckpointException}.
 */
public final class CheckpointCodec {

    private static final byte[] MAGIC = "SPARKNAS-CKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointCodec() {
    }

    public static byte[] encode(Checkpoint c) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 8 * (c.weights().length * 2 + c.alpha().length * 3));
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(VERSION);
            ObjectNode h = JSON.createObjectNode().put("config", c.configHocon()).put("space", c.space()).put("partitions", c.partitions())
                    .put("epoch", c.epoch()).put("step", c.step()).put("global_step", c.globalStep())
                    .put("metrics_lines", c.metricsLines()).put("sgd_steps", c.sgdSteps()).put("adam_t", c.adamT());
            h.set("epoch_sums", JSON.valueToTree(c.epochSums()));
            byte[] header = JSON.writeValueAsBytes(h);
            out.writeInt(header.length);
            out.write(header);
            for (double[] v : new double[][] {c.weights(), c.alpha(), c.momentum(), c.adamM(), c.adamV()}) {
                out.writeInt(v == null ? -1 : v.length);
                if (v != null) {
                    ByteBuffer b = ByteBuffer.allocate(8 * v.length);
                    b.asDoubleBuffer().put(v);
                    out.write(b.array());
                }
            }
            out.flush();
            out.write(sha256(bytes.toByteArray(), bytes.size()));
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    /** @param name the file, for messages */
    public static Checkpoint decode(byte[] data, String name) throws CorruptCheckpointException {
        if (data.length < MAGIC.length + 8 + 32 || !Arrays.equals(Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new CorruptCheckpointException(name + ": not a sparknas checkpoint (no SPARKNAS-CKPT header, "
                    + data.length + " bytes)");
        }
        byte[] expected = sha256(data, data.length - 32);
        if (!Arrays.equals(expected, Arrays.copyOfRange(data, data.length - 32, data.length))) {
            throw new CorruptCheckpointException(name + ": checksum mismatch: the file is truncated or damaged ("
                    + data.length + " bytes)");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(data, MAGIC.length, data.length - MAGIC.length - 32);
            int version = b.getInt();
            if (version != VERSION) {
                throw new CorruptCheckpointException(name + ": checkpoint format " + version + ", this build reads "
                        + VERSION);
            }
            byte[] header = new byte[b.getInt()];
            b.get(header);
            JsonNode h = JSON.readTree(header);
            double[][] v = new double[5][];
            for (int i = 0; i < v.length; i++) {
                int n = b.getInt();
                if (n >= 0) {
                    v[i] = new double[n];
                    b.asDoubleBuffer().get(v[i]);
                    b.position(b.position() + 8 * n);
                }
            }
            double[] sums = JSON.treeToValue(h.get("epoch_sums"), double[].class);
            return new Checkpoint(h.get("config").asText(), h.get("space").asText(), h.get("partitions").asInt(),
                    h.get("epoch").asInt(),
                    h.get("step").asInt(), h.get("global_step").asLong(), h.get("metrics_lines").asLong(), sums,
                    v[0], v[1], v[2], h.get("sgd_steps").asLong(), v[3], v[4], h.get("adam_t").asLong());
        } catch (IOException | BufferUnderflowException | NullPointerException | IllegalArgumentException e) {
            throw new CorruptCheckpointException(name + ": unreadable checkpoint body: " + e, e);
        }
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, 0, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
