package ai.sparknas.kernels.net;

/**
 * Per-thread scratch planes (padded copies, partial sums) reused by every kernel call on that thread:
 * allocating them per plane cost about a tenth of a step in zeroing and garbage collection. Contents
 * are whatever the last user left; a kernel loop body takes what it needs and fills it before use,
 * and never calls another kernel while holding a slot.
 */
final class Scratch {

    static final int SLOTS_PER_THREAD = 10;

    private static final ThreadLocal<double[][]> SLOTS = ThreadLocal.withInitial(() -> new double[SLOTS_PER_THREAD][]);

    private Scratch() {
    }

    /**
     * This thread's slots themselves, slot i at index i as {@link #plane} last sized it: a kernel that took
     * several slots hands them on as one array (the stride-2 phases) without allocating a holder per plane.
     */
    static double[][] slots() {
        return SLOTS.get();
    }

    /** Slot {@code slot} (0–9) of this thread, at least {@code size} long, contents unspecified. */
    static double[] plane(int slot, int size) {
        double[][] mine = SLOTS.get();
        double[] a = mine[slot];
        if (a == null || a.length < size) {
            a = new double[size];
            mine[slot] = a;
        }
        return a;
    }
}
