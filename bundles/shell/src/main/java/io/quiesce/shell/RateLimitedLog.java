package io.quiesce.shell;

import org.slf4j.Logger;

/**
 * Warnings that anyone on the host can trigger (refused control connections) or that may repeat fast (a failing accept): the first of each period is logged,
 * the rest are counted and the count is logged with the next one, so a flood cannot fill the disk.
 */
final class RateLimitedLog {
    /** One warning per this many seconds. */
    static final int PERIOD_SECONDS = 10;
    private final Logger log;
    private long next;
    private long suppressed;

    RateLimitedLog(Logger log) {
        this.log = log;
    }

    synchronized void warn(String format, Object... args) {
        long now = System.nanoTime();
        if (next != 0 && now - next < 0) {
            suppressed++;
            return;
        }
        next = now + PERIOD_SECONDS * 1_000_000_000L;
        if (suppressed > 0) {
            log.warn("{} more warnings like the next in the last {} s (not logged one by one)", suppressed, PERIOD_SECONDS);
            suppressed = 0;
        }
        log.warn(format, args);
    }
}
