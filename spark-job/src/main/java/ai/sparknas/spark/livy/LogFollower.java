package ai.sparknas.spark.livy;

import java.util.ArrayList;
import java.util.List;

/**
 * The new lines of a batch log that Livy serves as a window: it keeps the last
 * {@code livy.cache-log.size} lines of spark-submit's output, so between two polls lines fall off the
 * front and new ones arrive at the back. The new lines are those after the longest tail of the
 * previous window that is a head of the current one.
 */
final class LogFollower {

    private List<String> previous = List.of();

    /** The lines of {@code window} not yet returned. */
    List<String> next(List<String> window) {
        int overlap = Math.min(previous.size(), window.size());
        for (; overlap > 0; overlap--) {
            if (previous.subList(previous.size() - overlap, previous.size()).equals(window.subList(0, overlap))) {
                break;
            }
        }
        List<String> fresh = new ArrayList<>(window.subList(overlap, window.size()));
        previous = List.copyOf(window);
        return fresh;
    }
}
