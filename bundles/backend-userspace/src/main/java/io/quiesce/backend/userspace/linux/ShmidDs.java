package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct shmid64_ds} (112 bytes on x86_64), the buffer of shmctl(2). The restore fills only what IPC_SET
 * reads: the owner and the mode.
 */
@FieldOrder({ "key", "uid", "gid", "cuid", "cgid", "mode", "seq", "pad2", "unused1", "unused2", "segsz", "atime", "dtime",
        "ctime", "cpid", "lpid", "nattch", "unused4", "unused5" })
public class ShmidDs extends Structure {
    /** sizeof(struct shmid64_ds). */
    public static final int SIZE = 112;
    /** shm_perm.key: the segment's key. */
    public int key;
    /** shm_perm.uid: owner (IPC_SET sets it). */
    public int uid;
    /** shm_perm.gid: group (IPC_SET sets it). */
    public int gid;
    /** shm_perm.cuid: creator's user, read-only. */
    public int cuid;
    /** shm_perm.cgid: creator's group, read-only. */
    public int cgid;
    /** shm_perm.mode: permission bits (IPC_SET sets the low 9) and SHM_DEST/SHM_LOCKED. */
    public int mode;
    /** shm_perm.seq: the slot's sequence number. */
    public short seq;
    /** padding. */
    public short pad2;
    /** unused. */
    public long unused1;
    /** unused. */
    public long unused2;
    /** shm_segsz: size in bytes. */
    public long segsz;
    /** shm_atime: last attach. */
    public long atime;
    /** shm_dtime: last detach. */
    public long dtime;
    /** shm_ctime: last change. */
    public long ctime;
    /** shm_cpid: creator's PID. */
    public int cpid;
    /** shm_lpid: PID of the last shmat/shmdt. */
    public int lpid;
    /** shm_nattch: attachments. */
    public long nattch;
    /** unused. */
    public long unused4;
    /** unused. */
    public long unused5;

    /** @return the structure's bytes as the kernel expects them */
    public byte[] bytes() {
        write();
        return getPointer().getByteArray(0, size());
    }
}
