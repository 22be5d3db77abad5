package io.quiesce.backend.userspace.registers;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.image.PendingSignalImage;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.inject.ScratchArea;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.linux.RseqConfiguration;
import io.quiesce.backend.userspace.linux.StackT;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.proc.ProcTasks;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.signals.PendingSignals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * Saves and restores a thread's registers, signal mask, rseq registration, TID address, robust list, sigaltstack,
 * name and CPU affinity.
 */
public final class ThreadState {
    private ThreadState() {
    }

    /**
     * Reads what ptrace and /proc can tell about a frozen thread. The TID address and sigaltstack are left empty:
     * only an injection in that thread can read them ({@link #collectInjectedSeized}).
     *
     * @param pid        the thread's process
     * @param ownQueue   true to save the signals queued for this thread alone (false for the leader: its queue is
     *                   saved with the process)
     * @param stopSignal the group stop the process was in, 0 for none
     */
    public static ThreadImage collectSeized(Path proc, long pid, Tracee t, boolean ownQueue, int stopSignal)
            throws CheckpointException {
        X86_64Regs regs = t.getRegsSeized();
        byte[] xstate = t.getRegSetSeized(Ptrace.NT_X86_XSTATE);
        long mask = t.getSigMaskSeized();
        RseqConfiguration rseq = t.getRseqSeized();
        long[] robust = t.robustList();
        byte[] affinity = t.affinity();
        String comm;
        long nsTid;
        try {
            comm = ProcTasks.comm(proc, pid, t.tid());
            long[] ns = ProcTasks.status(proc, pid, t.tid()).nsPids();
            nsTid = ns.length > 1 ? ns[ns.length - 1] : 0;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot read /proc/" + pid + "/task/" + t.tid() + ": " + e.getMessage(), pid, null, null, e);
        }
        List<PendingSignalImage> pending = ownQueue ? PendingSignals.dumpThreadSeized(t, nsTid > 0 ? nsTid : t.tid()) : null;
        return new ThreadImage(t.tid(), regs.values(), xstate, mask, rseq.rseqAbiPointer, rseq.rseqAbiSize, rseq.signature,
                0, robust[0], robust[1], nsTid, comm, null, affinity, pending, stopSignal);
    }

    /** @return the image with what only the thread can tell: its clear_child_tid address and its sigaltstack */
    public static ThreadImage collectInjectedSeized(SyscallInjector inj, ThreadImage t) throws CheckpointException {
        long addr;
        StackT ss;
        try (ScratchArea.Frame f = inj.area().frame()) {
            long out = f.reserve(8);
            inj.check("prctl(PR_GET_TID_ADDRESS)", Syscalls.PRCTL, Syscalls.PR_GET_TID_ADDRESS, out);
            addr = ByteBuffer.wrap(f.read(out, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long old = f.reserve(24);
            inj.check("sigaltstack(NULL, &old)", Syscalls.SIGALTSTACK, 0, old);
            ss = StackT.of(f.read(old, 24));
        }
        if ((ss.flags & StackT.SS_ONSTACK) != 0) {
            throw new io.quiesce.api.NotSupportedException(String.format("thread %d runs a signal handler on its alternate "
                    + "signal stack (0x%x); this version cannot restore that", inj.tracee().tid(), ss.sp));
        }
        long[] alt = (ss.flags & StackT.SS_DISABLE) != 0 ? null : new long[] { ss.sp, ss.flags, ss.size };
        return t.withInjected(addr, alt);
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
     * PID changed), set_tid_address, and what every thread has ({@link #restoreThreadSeized}).
     *
     * @param newTid the thread's TID now
     */
    public static void restoreKernelStateSeized(SyscallInjector inj, ProcessMemory memory, ThreadImage t, long newTid)
            throws CheckpointException {
        if (t.tidAddress() != 0) {
            memory.write(t.tidAddress(), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) newTid).array());
            inj.check("set_tid_address", Syscalls.SET_TID_ADDRESS, t.tidAddress());
        }
        restoreThreadSeized(inj, t, null);
    }

    /**
     * What each thread registers with the kernel for itself: robust list, rseq, sigaltstack, CPU affinity and its
     * name. A thread made by clone has none of the first three; affinity and name it inherits from its creator, so
     * they are set only where they differ (from the tracer for the affinity, where the kernel lets it).
     *
     * @param inheritedName the name the thread has now (its creator's), null to leave the name as it is
     */
    public static void restoreThreadSeized(SyscallInjector inj, ThreadImage t, String inheritedName) throws CheckpointException {
        try (ScratchArea.Frame f = inj.area().frame()) {
            // one injected sequence for what every thread needs: one stop instead of three
            List<String> what = new java.util.ArrayList<>();
            List<long[]> seq = new java.util.ArrayList<>();
            if (t.robustHead() != 0) {
                what.add("set_robust_list");
                seq.add(new long[] { Syscalls.SET_ROBUST_LIST, t.robustHead(), t.robustLen() });
            }
            if (t.rseqPointer() != 0) {
                what.add("rseq register");
                seq.add(new long[] { Syscalls.RSEQ, t.rseqPointer(), t.rseqSize(), 0, t.rseqSignature() & 0xffffffffL });
            }
            if (t.altStack() != null) {
                what.add("sigaltstack");
                seq.add(new long[] { Syscalls.SIGALTSTACK, f.put(StackT.bytes(t.altStack()[0], (int) t.altStack()[1], t.altStack()[2])), 0 });
            }
            inj.checkAll(what.toArray(String[]::new), seq.toArray(long[][]::new));
            restoreAffinityAndNameSeized(inj, f, t, inheritedName);
        }
    }

    private static void restoreAffinityAndNameSeized(SyscallInjector inj, ScratchArea.Frame f, ThreadImage t, String inheritedName)
            throws CheckpointException {
        if (t.affinity() != null && t.affinity().length > 0 && !java.util.Arrays.equals(t.affinity(), inj.tracee().affinity())
                && inj.tracee().setAffinity(t.affinity()) != 0) {
            long rc = inj.call(Syscalls.SCHED_SETAFFINITY, 0, t.affinity().length, f.put(t.affinity()));
            if (rc < 0 && rc != -22) { // EINVAL: none of the saved CPUs is here; it runs where the kernel puts it
                throw new CheckpointException("sched_setaffinity in thread " + inj.tracee().tid() + " failed: " + Errno.name(rc),
                        inj.tracee().tid(), Errno.name(rc), null, null);
            }
        }
        if (inheritedName != null && t.comm() != null && !t.comm().equals(inheritedName)) {
            inj.check("prctl(PR_SET_NAME)", Syscalls.PRCTL, Syscalls.PR_SET_NAME, f.putString(t.comm()));
        }
    }

    /** Sets the final registers, xstate and mask; the thread stays stopped at the scratch munmap's exit. */
    public static void finishSeized(SyscallInjector inj, ThreadImage t) throws CheckpointException {
        inj.finishSeized(RestartRules.forRestore(new X86_64Regs(t.regs())), t.sigmask());
        inj.tracee().setRegSetSeized(Ptrace.NT_X86_XSTATE, t.xstate());
    }

    /** The same for a thread other than the leader, which leaves the scratch area to the leader's finish. */
    public static void finishThreadSeized(SyscallInjector inj, ThreadImage t) throws CheckpointException {
        inj.releaseThreadSeized(RestartRules.forRestore(new X86_64Regs(t.regs())), t.sigmask());
        inj.tracee().setRegSetSeized(Ptrace.NT_X86_XSTATE, t.xstate());
    }
}
