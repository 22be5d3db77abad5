package io.quiesce.backend.userspace.image;

/**
 * A saved signal disposition (the kernel's struct sigaction).
 *
 * @param signal   signal number
 * @param handler  handler address, 0 = SIG_DFL, 1 = SIG_IGN
 * @param flags    SA_* flags
 * @param restorer sa_restorer
 * @param mask     sa_mask
 */
public record SigactionImage(int signal, long handler, long flags, long restorer, long mask) {
}
