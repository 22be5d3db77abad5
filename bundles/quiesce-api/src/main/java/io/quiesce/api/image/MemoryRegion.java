package io.quiesce.api.image;

/**
 * A saved memory mapping.
 *
 * @param start      first address
 * @param end        address past the last byte
 * @param protection {@code rwxp}-style flags as in /proc/PID/maps
 * @param path       backing file or pseudo-name ({@code [heap]}), or null for anonymous memory
 * @param savedBytes how many of its bytes are in the image
 * @param pagesFile  image file holding its pages, relative to the checkpoint folder, or null when none were saved
 * @param runs       the saved runs of pages with their checksums; empty when none were saved
 */
public record MemoryRegion(long start, long end, String protection, String path, long savedBytes, String pagesFile,
        java.util.List<PageRun> runs) {
    /** Copies the runs, treating a missing list as empty. */
    public MemoryRegion {
        runs = runs == null ? java.util.List.of() : java.util.List.copyOf(runs);
    }

    /** @return the mapping's length in bytes */
    public long length() {
        return end - start;
    }
}
