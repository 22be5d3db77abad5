package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct clone_args} of clone3(2) up to {@code set_tid_size} (CLONE_ARGS_SIZE_VER1, 80 bytes), followed by
 * the one-entry {@code set_tid} array the engine passes, so the whole thing is written into a tracee in one piece.
 */
@FieldOrder({ "flags", "pidfd", "childTid", "parentTid", "exitSignal", "stack", "stackSize", "tls", "setTid", "setTidSize",
        "wantedTid" })
public class CloneArgs extends Structure {
    /** Size the kernel is told (the struct without {@link #wantedTid}). */
    public static final int SIZE = 80;
    /** flags: CLONE_* bits (no exit signal in them, unlike clone(2)). */
    public long flags;
    /** pidfd: where CLONE_PIDFD stores a pidfd (unused: 0). */
    public long pidfd;
    /** child_tid: for CLONE_CHILD_CLEARTID / CLONE_CHILD_SETTID, the child's clear_child_tid address. */
    public long childTid;
    /** parent_tid: for CLONE_PARENT_SETTID, where the kernel writes the new TID. */
    public long parentTid;
    /** exit_signal: signal sent to the parent when the child ends (SIGCHLD for a fork, 0 for a thread). */
    public long exitSignal;
    /** stack: lowest address of the child's stack, 0 to keep the caller's stack pointer. */
    public long stack;
    /** stack_size: its size (0 with stack 0). */
    public long stackSize;
    /** tls: the new thread's fs_base with CLONE_SETTLS. */
    public long tls;
    /** set_tid: address of the wanted TIDs (innermost namespace first), 0 for any. */
    public long setTid;
    /** set_tid_size: how many entries {@link #setTid} holds (one: the tracee's own namespace level). */
    public long setTidSize;
    /** The set_tid array's one entry, placed right after the struct (not part of the kernel's struct). */
    public long wantedTid;

    /**
     * @return the bytes to write at {@code at} in the tracee, with {@link #setTid} pointing at {@link #wantedTid}
     *         when {@code tid > 0}
     */
    public static byte[] bytes(long flags, long exitSignal, long childTid, long tls, long tid, long at) {
        CloneArgs a = new CloneArgs();
        a.flags = flags;
        a.exitSignal = exitSignal;
        a.childTid = childTid;
        a.tls = tls;
        if (tid > 0) {
            a.wantedTid = tid;
            a.setTid = at + SIZE;
            a.setTidSize = 1;
        }
        a.write();
        return a.getPointer().getByteArray(0, a.size());
    }
}
