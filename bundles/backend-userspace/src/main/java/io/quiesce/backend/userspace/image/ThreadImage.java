package io.quiesce.backend.userspace.image;

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
 */
public record ThreadImage(long tid, long[] regs, byte[] xstate, long sigmask, long rseqPointer, int rseqSize,
        int rseqSignature, long tidAddress, long robustHead, long robustLen) {
}
