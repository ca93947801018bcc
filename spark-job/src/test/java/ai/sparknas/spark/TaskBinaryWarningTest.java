package ai.sparknas.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

class TaskBinaryWarningTest {

    private static LogEvent warning(String logger, String message) {
        return Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(Level.WARN)
                .setMessage(new SimpleMessage(message)).build();
    }

    @Test
    void onlyTheTaskSizeWarningOfTheSchedulerIsDenied() {
        TaskBinaryWarning.silence();
        TaskBinaryWarning.silence(); // idempotent: one filter
        LoggerContext ctx = (LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        LoggerConfig scheduler = ctx.getConfiguration().getLoggerConfig(TaskBinaryWarning.LOGGER);
        assertTrue(scheduler.getName().equals(TaskBinaryWarning.LOGGER), "the scheduler has a logger config of its own");
        assertTrue(scheduler.isFiltered(warning(TaskBinaryWarning.LOGGER,
                "Broadcasting large task binary with size 1538.3 KiB")));
        assertFalse(scheduler.isFiltered(warning(TaskBinaryWarning.LOGGER,
                "Barrier stage in job 3 requires 2 slots, but only 1 are available")), "other warnings still pass");
        // its level and appenders are still the parent's: it only adds the filter
        assertTrue(scheduler.isAdditive());
        LoggerConfig parent = scheduler.getParent();
        assertTrue(parent != null && scheduler.getLevel() == parent.getLevel(), "level inherited");
        LoggerConfig other = ctx.getConfiguration().getLoggerConfig("org.apache.spark.scheduler.TaskSetManager");
        assertFalse(other.isFiltered(warning(other.getName(), "Broadcasting large task binary with size 1 MiB")),
                "other loggers are not touched");
    }
}
