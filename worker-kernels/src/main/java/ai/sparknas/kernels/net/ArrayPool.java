package ai.sparknas.kernels.net;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Recycles the activation and gradient arrays of a pass. Every pass of a network allocates the same
 * sequence of sizes; without recycling the JVM spent about a fifth of a step copying live
 * activations between GC generations. Arrays come back zero-filled because kernels accumulate. A max
 * pool's arg-max indices are recycled the same way ({@link #takeInts}).
 */
final class ArrayPool {

    private final Map<Integer, ArrayDeque<double[]>> free = new HashMap<>();
    private final Set<double[]> lent = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Integer, ArrayDeque<int[]>> freeInts = new HashMap<>();
    private final Set<int[]> lentInts = Collections.newSetFromMap(new IdentityHashMap<>());

    /** A zero-filled array of length {@code n}, owned by the current pass. */
    double[] take(int n) {
        return take(n, true);
    }

    /** An array of length {@code n} with arbitrary contents, for an output its kernel writes in full. */
    double[] takeToOverwrite(int n) {
        return take(n, false);
    }

    private double[] take(int n, boolean zero) {
        double[] a;
        synchronized (this) {
            ArrayDeque<double[]> q = free.get(n);
            a = q == null ? null : q.poll();
            if (a == null) {
                a = new double[n];
                lent.add(a);
                return a;
            }
            lent.add(a);
        }
        if (zero) { // outside the lock: the team's other threads take their arrays meanwhile
            java.util.Arrays.fill(a, 0);
        }
        return a;
    }

    /**
     * An int array of length {@code n} with arbitrary contents, owned by the current pass (a max pool's
     * arg-max indices, which its backward step reads): allocated afresh, these were the largest garbage
     * of a step, kept alive for the whole pass and so promoted to the old generation.
     */
    synchronized int[] takeInts(int n) {
        ArrayDeque<int[]> q = freeInts.get(n);
        int[] a = q == null ? null : q.poll();
        if (a == null) {
            a = new int[n];
        }
        lentInts.add(a);
        return a;
    }

    /**
     * Test hook: with {@code -Dsparknas.test.poison-released=true} an array given back early is filled
     * with NaN, so that a kernel reading a released tensor (or not writing all of an array it takes to
     * overwrite) turns every result it touches into NaN instead of going unnoticed.
     */
    private static final boolean POISON = Boolean.getBoolean("sparknas.test.poison-released");

    /** Takes back one lent array before the pass ends (its holder will not touch it again). */
    synchronized void giveBack(double[] a) {
        if (lent.remove(a)) {
            if (POISON) {
                java.util.Arrays.fill(a, Double.NaN);
            }
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        }
    }

    /** Ends the pass: every array lent since the last release may be reused. */
    synchronized void releaseAll() {
        for (double[] a : lent) {
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        }
        lent.clear();
        for (int[] a : lentInts) {
            freeInts.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        }
        lentInts.clear();
    }

    /**
     * Elements of every array this pool holds, free or lent: after a pass, the activation and gradient
     * memory that pass needed (the pool keeps what it allocated, so this is its peak).
     */
    synchronized long elements() {
        long n = 0;
        for (ArrayDeque<double[]> q : free.values()) {
            for (double[] a : q) {
                n += a.length;
            }
        }
        for (double[] a : lent) {
            n += a.length;
        }
        for (ArrayDeque<int[]> q : freeInts.values()) { // counted as elements too: 4 bytes, at most a float's
            for (int[] a : q) {
                n += a.length;
            }
        }
        for (int[] a : lentInts) {
            n += a.length;
        }
        return n;
    }
}
