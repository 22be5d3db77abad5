package io.quiesce.backend.userspace.registers;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.linux.RseqConfiguration;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.seize.Tracee;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Saves and restores a thread's registers, signal mask, rseq registration, TID address and robust list. */
public final class ThreadState {
    private ThreadState() {
    }

    /**
     * Reads what ptrace can tell about a frozen thread. The TID address is left 0: only an injected
     * PR_GET_TID_ADDRESS can read it ({@link #collectTidAddressSeized}).
     */
    public static ThreadImage collectSeized(Tracee t) throws CheckpointException {
        X86_64Regs regs = t.getRegsSeized();
        byte[] xstate = t.getRegSetSeized(Ptrace.NT_X86_XSTATE);
        long mask = t.getSigMaskSeized();
        RseqConfiguration rseq = t.getRseqSeized();
        long[] robust = t.robustList();
        return new ThreadImage(t.tid(), regs.values(), xstate, mask, rseq.rseqAbiPointer, rseq.rseqAbiSize, rseq.signature,
                0, robust[0], robust[1]);
    }

    /** @return the image with the thread's clear_child_tid address, read by injecting PR_GET_TID_ADDRESS */
    public static ThreadImage collectTidAddressSeized(SyscallInjector inj, ThreadImage t) throws CheckpointException {
        inj.check("prctl(PR_GET_TID_ADDRESS)", Syscalls.PRCTL, Syscalls.PR_GET_TID_ADDRESS, inj.scratch() + SyscallInjector.OUT);
        long addr = ByteBuffer.wrap(inj.get(SyscallInjector.OUT, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new ThreadImage(t.tid(), t.regs(), t.xstate(), t.sigmask(), t.rseqPointer(), t.rseqSize(), t.rseqSignature(),
                addr, t.robustHead(), t.robustLen());
    }

    /** Unregisters the stub's own rseq area, which the rebuild is about to unmap (else: SIGSEGV on every return). */
    public static void unregisterRseqSeized(SyscallInjector inj) throws CheckpointException {
        RseqConfiguration c = inj.tracee().getRseqSeized();
        if (c.rseqAbiPointer != 0) {
            inj.check("rseq unregister", Syscalls.RSEQ, c.rseqAbiPointer, c.rseqAbiSize, Syscalls.RSEQ_FLAG_UNREGISTER,
                    c.signature & 0xffffffffL);
        }
    }

    /**
     * Re-creates the kernel-side thread state of a rebuilt main thread: its TID in glibc's thread descriptor (the
     * PID changed), set_tid_address, set_robust_list and rseq.
     *
     * @param newTid the thread's TID now
     */
    public static void restoreKernelStateSeized(SyscallInjector inj, ProcessMemory memory, ThreadImage t, long newTid)
            throws CheckpointException {
        if (t.tidAddress() != 0) {
            memory.write(t.tidAddress(), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) newTid).array());
            inj.check("set_tid_address", Syscalls.SET_TID_ADDRESS, t.tidAddress());
        }
        if (t.robustHead() != 0) {
            inj.check("set_robust_list", Syscalls.SET_ROBUST_LIST, t.robustHead(), t.robustLen());
        }
        if (t.rseqPointer() != 0) {
            inj.check("rseq register", Syscalls.RSEQ, t.rseqPointer(), t.rseqSize(), 0, t.rseqSignature() & 0xffffffffL);
        }
    }

    /** Sets the final registers, xstate and mask; the thread stays stopped at the scratch munmap's exit. */
    public static void finishSeized(SyscallInjector inj, ThreadImage t) throws CheckpointException {
        inj.finishSeized(RestartRules.forRestore(new X86_64Regs(t.regs())), t.sigmask());
        inj.tracee().setRegSetSeized(Ptrace.NT_X86_XSTATE, t.xstate());
    }
}
