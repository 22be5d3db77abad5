package io.quiesce.backend.userspace.image;

/**
 * A timerfd(2) timer.
 *
 * @param clockid       its clock ({@code clockid:})
 * @param ticks         expirations not read yet ({@code ticks:})
 * @param settimeFlags  TFD_TIMER_ABSTIME (1) and TFD_TIMER_CANCEL_ON_SET (2) as last set ({@code settime flags:})
 * @param valueNanos    time left to the next expiry, 0 when disarmed ({@code it_value:}, always relative)
 * @param intervalNanos the period, 0 for a one-shot timer ({@code it_interval:})
 * @param deadlineNanos for an absolute timer: the next expiry on its clock ({@code clockid}'s time at the dump plus
 *                      {@code valueNanos}), re-armed as such; 0 otherwise
 */
public record TimerFdImage(int clockid, long ticks, int settimeFlags, long valueNanos, long intervalNanos, long deadlineNanos)
        implements KernelObjectImage {
    /** timerfd_settime(2) flag: the value is an absolute time on the clock. */
    public static final int TFD_TIMER_ABSTIME = 1;
}
