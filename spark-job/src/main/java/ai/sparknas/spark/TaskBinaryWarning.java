package ai.sparknas.spark;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.RegexFilter;

/**
 * Spark's DAGScheduler warns "Broadcasting large task binary with size …" for every stage whose serialised
 * tasks exceed 1000 KiB, a constant. A barrier round's tasks carry ω on purpose ({@link Rounds#barrierRound}),
 * so that warning would repeat every step: this denies that one message of that one logger and nothing else.
 * It applies where Spark logs through log4j2's core (Spark's own default); with another backend the warning
 * stays, harmless.
 */
final class TaskBinaryWarning {

    static final String LOGGER = "org.apache.spark.scheduler.DAGScheduler";
    static final String MESSAGE = "Broadcasting large task binary";

    private static boolean done;

    private TaskBinaryWarning() {
    }

    /** Adds the filter once per JVM (idempotent; later calls do nothing). */
    static synchronized void silence() {
        if (done) {
            return;
        }
        done = true;
        try {
            if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
                return;
            }
            Configuration cfg = ctx.getConfiguration();
            LoggerConfig own = cfg.getLoggerConfig(LOGGER);
            if (!own.getName().equals(LOGGER)) { // inherits the parent's level and appenders (additive)
                own = new LoggerConfig(LOGGER, null, true);
                cfg.addLogger(LOGGER, own);
            }
            own.addFilter(RegexFilter.createFilter(".*" + MESSAGE + ".*", null, false, Filter.Result.DENY,
                    Filter.Result.NEUTRAL));
            ctx.updateLoggers();
        } catch (LinkageError | IllegalAccessException | RuntimeException e) {
            // logging set up without log4j2's core: the warning is left as it is
        }
    }
}
