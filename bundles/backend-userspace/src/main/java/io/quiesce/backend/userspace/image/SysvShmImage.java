package io.quiesce.backend.userspace.image;

/**
 * A System V shared memory segment attached by processes of the job. Its pages are saved through the attachments
 * (each page once, like shared anonymous memory: see {@link VmaImage#shmem()}), so only its identity is here.
 *
 * @param shmid   its identifier at checkpoint time (the inode its mappings show)
 * @param key     its key (0 = IPC_PRIVATE, also the key of a segment marked for removal)
 * @param mode    its permission bits (the low 9 bits of {@code perms} in /proc/sysvipc/shm)
 * @param uid     owner, as the job's processes see it
 * @param gid     group, as the job's processes see it
 * @param size    its size in bytes
 * @param removed true when IPC_RMID had marked it (SHM_DEST): it lives on while attached
 * @param cpid    its creator's PID, as the job saw it (for inspection)
 */
public record SysvShmImage(int shmid, int key, int mode, int uid, int gid, long size, boolean removed, long cpid) {
}
