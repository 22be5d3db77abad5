package io.quiesce.backend.userspace.image;

/**
 * A signalfd(2): the signals it reads ({@code sigmask:}); the signals themselves stay in the process's queues.
 *
 * @param mask the signal mask, bit {@code n-1} for signal {@code n}
 */
public record SignalFdImage(long mask) implements KernelObjectImage {
}
