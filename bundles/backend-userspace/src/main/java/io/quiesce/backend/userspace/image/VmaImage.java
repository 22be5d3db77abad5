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
 *               share their pages; its runs are saved once, in the first process that maps them); else 0. SysV
 *               segments and memfds no descriptor holds are numbered here too, as their pages are saved the same way
 * @param memfd  for a mapping of a memfd a descriptor of the job holds, its inode (see {@link MemfdImage}); else null
 * @param sysv   for an attachment of a SysV segment, its saved shmid (see {@link SysvShmImage}); else null
 */
public record VmaImage(long start, long end, String perms, long offset, long inode, String path, List<PageRun> runs,
        int shmem, Long memfd, Integer sysv) {
    /** Copies the runs, treating a missing list as empty. */
    public VmaImage {
        runs = runs == null ? List.of() : List.copyOf(runs);
    }

    /** A mapping that is neither a held memfd nor a SysV attachment. */
    public VmaImage(long start, long end, String perms, long offset, long inode, String path, List<PageRun> runs, int shmem) {
        this(start, end, perms, offset, inode, path, runs, shmem, null, null);
    }
}
