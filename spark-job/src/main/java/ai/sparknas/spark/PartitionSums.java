package ai.sparknas.spark;

import ai.sparknas.kernels.grad.GradientSums;
import ai.sparknas.kernels.grad.TrainingSums;
import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What one partition sends back from a round: loss sum, correct and example counts, and the gradient
 * sums that were asked for (null otherwise), as plain {@code double[]} (Kryo writes them as raw
 * primitives; see docs/performance.md for the comparison with INDArray). Sums only: the driver
 * divides. A vector whose every entry is a float (a float32 kernel's sums) travels as 4-byte floats and
 * comes back as the same doubles: half the bytes, no bit changed.
 */
public final class PartitionSums implements Serializable, com.esotericsoftware.kryo.KryoSerializable {

    private static final long serialVersionUID = 1L;

    double lossSum;
    long correct;
    long count;
    double[] weightGrad;
    double[] alphaGrad;
    /** A re-training pass: the auxiliary head's loss sum and the BatchNorm moments (null otherwise). */
    double auxLossSum;
    double[] moments;
    /** A fused first-order round: the α data's sums (loss, counts, ∇α) beside this object's ω data's (null otherwise). */
    PartitionSums val;
    /** A fused first-order round: the α' the task computed and ran its ω data's pass at (equal in every task). */
    double[] alphaUsed;
    /** Slowest partition's kernel time in this sum (merged by max): the round's compute time. */
    double computeSeconds;
    /** Slowest task's wait for the round's broadcasts (fetched from the driver on a task's first use, merged by max). */
    double fetchSeconds;
    /** A barrier round: slowest task's wait in the exchange, for the others' messages (merged by max). */
    double exchangeSeconds;
    /**
     * The bytes these sums' vectors arrived in (floats or doubles), counted where they are read (the
     * driver, for a round's results; merged by sum): not sent, since only the reader knows what travelled.
     */
    transient long resultBytes;
    /** Kernel threads of the tasks (merged by max), so the metrics show what executors really used. */
    int kernelThreads;
    /** Tasks whose JVM lacked the Vector API and ran the scalar kernels (merged by sum). */
    int scalarKernelTasks;

    /** For Kryo. */
    PartitionSums() {
    }

    PartitionSums(double lossSum, long correct, long count, double[] weightGrad, double[] alphaGrad) {
        this.lossSum = lossSum;
        this.correct = correct;
        this.count = count;
        this.weightGrad = weightGrad;
        this.alphaGrad = alphaGrad;
    }

    static PartitionSums of(GradientSums s) {
        return new PartitionSums(s.lossSum(), s.correct(), s.count(),
                s.weightGrad() == null ? null : s.weightGrad().toDoubleVector(),
                s.alphaGrad() == null ? null : s.alphaGrad().toDoubleVector());
    }

    static PartitionSums of(TrainingSums s) {
        PartitionSums p = new PartitionSums(s.lossSum(), s.correct(), s.count(), s.weightGrad(), null);
        p.auxLossSum = s.auxLossSum();
        p.moments = s.moments();
        return p;
    }

    TrainingSums toTrainingSums() {
        return new TrainingSums(lossSum, auxLossSum, correct, count, weightGrad, moments);
    }

    /** Element-wise {@code this + o} into a new object; dimensions must agree. */
    PartitionSums plus(PartitionSums o) {
        PartitionSums sum = new PartitionSums(lossSum + o.lossSum, correct + o.correct, count + o.count,
                add(weightGrad, o.weightGrad, "weight"), add(alphaGrad, o.alphaGrad, "alpha"));
        sum.auxLossSum = auxLossSum + o.auxLossSum;
        sum.moments = add(moments, o.moments, "BatchNorm moment");
        if ((val == null) != (o.val == null)) {
            throw new IllegalStateException("cannot merge partition sums: only one has α data's sums");
        }
        sum.val = val == null ? null : val.plus(o.val);
        if (!java.util.Arrays.equals(alphaUsed, o.alphaUsed)) {
            throw new IllegalStateException("the tasks of a fused first-order round computed different α steps;"
                    + " set spark.fuse-rounds = never and report this as a bug");
        }
        sum.alphaUsed = alphaUsed;
        sum.computeSeconds = Math.max(computeSeconds, o.computeSeconds);
        sum.fetchSeconds = Math.max(fetchSeconds, o.fetchSeconds);
        sum.exchangeSeconds = Math.max(exchangeSeconds, o.exchangeSeconds);
        sum.resultBytes = resultBytes + o.resultBytes;
        sum.kernelThreads = Math.max(kernelThreads, o.kernelThreads);
        sum.scalarKernelTasks = scalarKernelTasks + o.scalarKernelTasks;
        return sum;
    }

    /** Every field sent, in declaration order ({@code PartitionSumsTest} checks that none is left out). */
    @Override
    public void write(com.esotericsoftware.kryo.Kryo kryo, com.esotericsoftware.kryo.io.Output out) {
        out.writeDouble(lossSum);
        out.writeLong(correct);
        out.writeLong(count);
        writeVector(out, weightGrad);
        writeVector(out, alphaGrad);
        out.writeDouble(auxLossSum);
        writeVector(out, moments);
        kryo.writeObjectOrNull(out, val, PartitionSums.class);
        writeVector(out, alphaUsed);
        out.writeDouble(computeSeconds);
        out.writeDouble(fetchSeconds);
        out.writeDouble(exchangeSeconds);
        out.writeInt(kernelThreads);
        out.writeInt(scalarKernelTasks);
    }

    @Override
    public void read(com.esotericsoftware.kryo.Kryo kryo, com.esotericsoftware.kryo.io.Input in) {
        resultBytes = 0;
        lossSum = in.readDouble();
        correct = in.readLong();
        count = in.readLong();
        weightGrad = readVector(in);
        alphaGrad = readVector(in);
        auxLossSum = in.readDouble();
        moments = readVector(in);
        val = kryo.readObjectOrNull(in, PartitionSums.class);
        resultBytes += val == null ? 0 : val.resultBytes;
        alphaUsed = readVector(in);
        computeSeconds = in.readDouble();
        fetchSeconds = in.readDouble();
        exchangeSeconds = in.readDouble();
        kernelThreads = in.readInt();
        scalarKernelTasks = in.readInt();
    }

    private static final byte NONE = 0;
    private static final byte FLOATS = 1;
    private static final byte DOUBLES = 2;

    /** Floats where every entry survives the round trip ({@code (double) (float) x == x}; NaN does not), else doubles. */
    private static void writeVector(com.esotericsoftware.kryo.io.Output out, double[] v) {
        if (v == null) {
            out.writeByte(NONE);
            return;
        }
        boolean floats = true;
        for (int i = 0; i < v.length && floats; i++) {
            floats = (double) (float) v[i] == v[i];
        }
        out.writeByte(floats ? FLOATS : DOUBLES);
        out.writeInt(v.length, true);
        if (floats) {
            for (double x : v) {
                out.writeFloat((float) x);
            }
        } else {
            out.writeDoubles(v);
        }
    }

    /** A vector written by {@link #writeVector}; its payload's bytes are added to {@link #resultBytes}. */
    private double[] readVector(com.esotericsoftware.kryo.io.Input in) {
        byte kind = in.readByte();
        if (kind == NONE) {
            return null;
        }
        int n = in.readInt(true);
        if (kind == DOUBLES) {
            resultBytes += 8L * n;
            return in.readDoubles(n);
        }
        if (kind != FLOATS) {
            throw new IllegalStateException("partition sums: unknown vector encoding " + kind);
        }
        resultBytes += 4L * n;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    GradientSums toGradientSums() {
        return new GradientSums(lossSum, correct, count, vector(weightGrad), vector(alphaGrad));
    }

    private static INDArray vector(double[] v) {
        return v == null ? null : Nd4j.createFromArray(v);
    }

    private static double[] add(double[] a, double[] b, String what) {
        if (a == null || b == null) {
            if (a != b) {
                throw new IllegalStateException("cannot merge partition sums: only one has a " + what + " gradient");
            }
            return null;
        }
        if (a.length != b.length) {
            throw new IllegalStateException("cannot merge " + what + " gradient sums of lengths " + a.length + " and "
                    + b.length);
        }
        double[] out = new double[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }
}
