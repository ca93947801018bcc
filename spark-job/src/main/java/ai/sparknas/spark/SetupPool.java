package ai.sparknas.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A JVM's idle task setups, keyed by what they were built from (config, layout, partitions, threads):
 * a kernel is single-caller, so each concurrently running task borrows its own and gives it back.
 * Borrowing under a new key closes the setups of every other key, which belong to an earlier run or
 * bench in this JVM and are idle.
 */
final class SetupPool<T> {

    private final Map<String, ConcurrentLinkedQueue<T>> pool = new ConcurrentHashMap<>();
    private final Consumer<T> close;

    SetupPool(Consumer<T> close) {
        this.close = close;
    }

    /** An idle setup of {@code key}, or a new one from {@code build}; give it back with {@link #release}. */
    T borrow(String key, Supplier<T> build) {
        pool.entrySet().removeIf(e -> {
            if (e.getKey().equals(key)) {
                return false;
            }
            // poll, so that concurrent tasks evicting the same entry close each setup once
            for (T idle = e.getValue().poll(); idle != null; idle = e.getValue().poll()) {
                close.accept(idle);
            }
            return true;
        });
        T s = pool.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return s != null ? s : build.get();
    }

    void release(String key, T setup) {
        pool.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(setup);
    }
}
