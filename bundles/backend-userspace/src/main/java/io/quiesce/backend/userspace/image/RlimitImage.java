package io.quiesce.backend.userspace.image;

/**
 * A saved resource limit (getrlimit(2)); -1 is RLIM_INFINITY.
 *
 * @param resource the RLIMIT_* number
 * @param name     its name, for messages ({@code RLIMIT_NOFILE})
 * @param soft     rlim_cur
 * @param hard     rlim_max
 */
public record RlimitImage(int resource, String name, long soft, long hard) {
}
