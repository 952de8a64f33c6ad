package io.github.dl4jcompress.cli.spark;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a hung epoch into a clear failure: if one epoch's fit has not returned within the limit, logs an error naming
 * the epoch and the checkpoint to resume from, then halts the JVM with status {@value #EXIT_STATUS} (a Spark job
 * stuck on a lost executor or a dead Aeron peer does not return by itself; a shutdown hook could hang as well).
 */
final class EpochWatchdog implements AutoCloseable {

    static final int EXIT_STATUS = 3;

    private static final Logger log = LoggerFactory.getLogger(EpochWatchdog.class);

    private final int seconds;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> pending;

    /** {@code seconds} = 0: no limit. */
    EpochWatchdog(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("--epoch-timeout must be >= 0 seconds, got " + seconds);
        }
        this.seconds = seconds;
        this.timer = seconds == 0 ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "epoch-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /** Arms the limit for one epoch; {@code resumeHint} says what is kept. */
    void start(String what, int epoch, String resumeHint) {
        if (timer == null) {
            return;
        }
        pending = timer.schedule(() -> {
            String msg = what + ": epoch " + epoch + " did not finish within --epoch-timeout " + seconds + " s; giving up "
                    + "(exit status " + EXIT_STATUS + "). " + resumeHint;
            log.error(msg);
            System.err.println("ERROR " + msg);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }, seconds, TimeUnit.SECONDS);
    }

    /** The epoch returned in time. */
    void done() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
