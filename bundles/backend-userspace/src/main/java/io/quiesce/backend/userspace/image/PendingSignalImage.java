package io.quiesce.backend.userspace.image;

/**
 * A signal that was queued but not yet delivered at checkpoint time (usually because it was blocked).
 *
 * @param signal  signal number
 * @param shared  true for the process-wide queue (kill, sigqueue), false for a thread's own queue (tgkill, faults)
 * @param tid     the thread whose own queue held it (the PID for a shared one)
 * @param siginfo the raw kernel siginfo (128 bytes), queued again as it was
 */
public record PendingSignalImage(int signal, boolean shared, long tid, byte[] siginfo) {
}
