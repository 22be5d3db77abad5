package io.quiesce.backend.userspace.image;

/**
 * An eventfd(2) counter.
 *
 * @param count     the counter ({@code eventfd-count:})
 * @param semaphore true for EFD_SEMAPHORE ({@code eventfd-semaphore:})
 */
public record EventFdImage(long count, boolean semaphore) implements KernelObjectImage {
}
