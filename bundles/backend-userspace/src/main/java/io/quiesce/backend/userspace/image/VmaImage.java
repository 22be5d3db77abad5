package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * A saved mapping and its saved pages.
 *
 * @param start  first address
 * @param end    address past the last byte
 * @param perms  permissions as in /proc/PID/maps ({@code rw-p})
 * @param offset file offset, for a file mapping
 * @param inode  inode of the backing file, 0 when anonymous
 * @param path   backing file or pseudo-name, null when anonymous
 * @param runs   saved page runs, in address order; empty when the contents come from the file or are all zero
 * @param shmem  for shared anonymous memory, the object's number across the job (mappings with the same number
 *               share their pages; its runs are saved once, in the first process that maps them); else 0
 */
public record VmaImage(long start, long end, String perms, long offset, long inode, String path, List<PageRun> runs,
        int shmem) {
    /** Copies the runs, treating a missing list as empty. */
    public VmaImage {
        runs = runs == null ? List.of() : List.copyOf(runs);
    }
}
