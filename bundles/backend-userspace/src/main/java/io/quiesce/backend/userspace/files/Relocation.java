package io.quiesce.backend.userspace.files;

import java.util.function.UnaryOperator;

/**
 * Maps a saved path to the path to open now ({@code restart --relocate}). A deleted file is found by its inode as
 * well as its link text: several deleted files of one name may be open in a job (each of an MPI job's processes
 * holds its own deleted {@code /dev/shm/open_mpi.0000}), and each is recreated separately ({@link GhostFiles}).
 */
@FunctionalInterface
public interface Relocation extends UnaryOperator<String> {
    /**
     * @param saved the saved path or link text
     * @param inode the saved file's inode
     * @return the path to open now; the default ignores the inode
     */
    default String file(String saved, long inode) {
        return apply(saved);
    }
}
