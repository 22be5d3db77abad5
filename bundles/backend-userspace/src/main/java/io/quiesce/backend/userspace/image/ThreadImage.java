package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * A saved thread's CPU and kernel state.
 *
 * @param tid           its TID at checkpoint time
 * @param regs          user_regs_struct as at the freeze, not yet normalised (27 values, kernel order)
 * @param xstate        the NT_X86_XSTATE register set (FPU, SSE, AVX...)
 * @param sigmask       blocked signals
 * @param rseqPointer   address of its struct rseq, 0 when none is registered
 * @param rseqSize      registered rseq size
 * @param rseqSignature rseq abort signature
 * @param tidAddress    its clear_child_tid address (PR_GET_TID_ADDRESS), 0 when none
 * @param robustHead    its robust-futex list head, 0 when none
 * @param robustLen     the robust list head's size
 * @param nsTid         its TID in the job's PID namespace (0 without one, or in older images)
 * @param comm          its name (/proc/PID/task/TID/comm; null in older images)
 * @param altStack      its sigaltstack as {sp, flags, size} (null in older images or when disabled)
 * @param affinity      its CPU affinity mask (sched_getaffinity bytes; null in older images)
 * @param pending       signals queued for this thread alone (null in older images, and for the leader, whose
 *                      queue is in the process image)
 * @param stopSignal    the signal that had group-stopped the process before the freeze, 0 when it was running
 */
public record ThreadImage(long tid, long[] regs, byte[] xstate, long sigmask, long rseqPointer, int rseqSize,
        int rseqSignature, long tidAddress, long robustHead, long robustLen, long nsTid, String comm, long[] altStack,
        byte[] affinity, List<PendingSignalImage> pending, int stopSignal) {

    /** @return a copy with the state an injection read: the clear_child_tid address and the sigaltstack */
    public ThreadImage withInjected(long tidAddress, long[] altStack) {
        return new ThreadImage(tid, regs, xstate, sigmask, rseqPointer, rseqSize, rseqSignature, tidAddress, robustHead,
                robustLen, nsTid, comm, altStack, affinity, pending, stopSignal);
    }

    /** @return the TID the process itself sees for this thread (in its namespace, or on the host) */
    public long tidInJob() {
        return nsTid > 0 ? nsTid : tid;
    }
}
