package ai.sparknas.driver.search;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM, a scheduler's preemption, as a budget: the first one asks the search to stop after the
 * step in progress, write a checkpoint and exit 75 like {@code run.max-wall-time}, instead of dying
 * with 143 and losing up to {@code checkpoint.every-steps} steps. A second SIGTERM goes to the
 * handler that was there before (the JVM's: exit 143 at once), so an impatient scheduler still wins.
 */
final class StopRequest {

    private static final AtomicBoolean REQUESTED = new AtomicBoolean();
    private static boolean installed;

    private StopRequest() {
    }

    /** Installs the handler once per JVM (the search loop calls it when it starts stepping). */
    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        try {
            sun.misc.Signal term = new sun.misc.Signal("TERM");
            sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
            previous[0] = sun.misc.Signal.handle(term, sig -> {
                if (REQUESTED.getAndSet(true)) {
                    previous[0].handle(sig);
                } else {
                    System.err.println("sparknas: SIGTERM: stopping after this step with a checkpoint (exit 75);"
                            + " a second SIGTERM stops at once");
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LoggerFactory.getLogger(StopRequest.class).warn("cannot handle SIGTERM here ({}): a preempted search"
                    + " loses the steps since its last checkpoint", e.toString());
        }
    }

    /** Whether a SIGTERM asked the search to stop. */
    static boolean requested() {
        return REQUESTED.get();
    }
}
