package io.quiesce.api.image;

/**
 * A contiguous run of saved pages of a mapping.
 *
 * @param address    the run's first address in the process
 * @param length     its length in bytes
 * @param fileOffset where its bytes start in the region's pages file
 * @param crc32c     CRC32C of its bytes, checked before they are restored
 */
public record PageRun(long address, long length, long fileOffset, long crc32c) {
}
