package io.quiesce.backend.userspace.image;

/**
 * A run of contiguous saved pages.
 *
 * @param address    first address
 * @param length     bytes (a multiple of the page size)
 * @param fileOffset where the bytes start in the process's pages file
 * @param crc32c     CRC32C of the bytes
 */
public record PageRun(long address, long length, long fileOffset, long crc32c) {
}
