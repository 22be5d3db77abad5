package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * The job's memory and IPC objects that outlive one process's mappings: memfds held by descriptors, System V
 * shared memory segments, and files in temporary folders.
 *
 * @param memfds    memfds held by a descriptor of the job (null: none)
 * @param sysvShm   SysV segments attached by the job (null: none)
 * @param tempFiles files, FIFOs and folders under temporary folders, folders before what they hold (null: none)
 */
public record IpcImage(List<MemfdImage> memfds, List<SysvShmImage> sysvShm, List<TempFileImage> tempFiles) {
    /** Treats missing lists as empty. */
    public IpcImage {
        memfds = memfds == null ? List.of() : List.copyOf(memfds);
        sysvShm = sysvShm == null ? List.of() : List.copyOf(sysvShm);
        tempFiles = tempFiles == null ? List.of() : List.copyOf(tempFiles);
    }
}
