package io.quiesce.backend.userspace.signals;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.PendingSignalImage;
import io.quiesce.backend.userspace.inject.ScratchArea;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.seize.Tracee;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Signals queued but not yet delivered: read at dump with PTRACE_PEEKSIGINFO (which does not dequeue them, so a
 * job that continues keeps them), queued again at restore by injecting rt_sigqueueinfo / rt_tgsigqueueinfo with
 * the saved siginfo.
 *
 * <p>The freeze itself queues nothing: PTRACE_INTERRUPT is a trap, not a signal, and the SIGTRAPs of injected
 * calls are consumed at their signal-delivery stops. Both halves therefore run before any injection at dump, and
 * with every signal blocked (the injector's mask) at restore, so a requeued signal waits for the final mask.
 */
public final class PendingSignals {
    private PendingSignals() {
    }

    /** @return the thread's own queue, then the process-wide one, each oldest first */
    public static List<PendingSignalImage> dumpSeized(Tracee t, long pid) throws CheckpointException {
        List<PendingSignalImage> out = new ArrayList<>();
        for (boolean shared : new boolean[] { false, true }) {
            for (byte[] info : t.peekSigInfoSeized(shared)) {
                int sig = ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).getInt(0); // si_signo
                out.add(new PendingSignalImage(sig, shared, shared ? pid : t.tid(), info));
            }
        }
        return out;
    }

    /** @return the signals queued for one thread alone (not the process-wide queue), oldest first */
    public static List<PendingSignalImage> dumpThreadSeized(Tracee t, long tidInJob) throws CheckpointException {
        List<PendingSignalImage> out = new ArrayList<>();
        for (byte[] info : t.peekSigInfoSeized(false)) {
            out.add(new PendingSignalImage(ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).getInt(0), false, tidInJob, info));
        }
        return out;
    }

    /**
     * Queues a thread's own saved signals again, injected in that thread: only the target thread itself may queue
     * a kill, tkill or kernel siginfo with rt_tgsigqueueinfo (the kernel compares the caller's TID with the target).
     *
     * @param thread   an injector in the thread (its signals blocked until its final mask)
     * @param tidInJob the thread's TID as the process sees it
     */
    public static void restoreThreadSeized(SyscallInjector thread, List<PendingSignalImage> pending, long tidInJob)
            throws CheckpointException {
        if (pending != null && !pending.isEmpty()) {
            queue(thread, pending, tidInJob);
        }
    }

    /**
     * Queues the saved signals again in the process (its leader's own queue and the process-wide one). A siginfo with si_code >= 0 (kill, kernel)
     * or SI_TKILL may only be queued by a process to itself: the injected call runs in the process and names its
     * own PID as it sees it (getpid, which differs from ours inside a PID namespace), so the kernel accepts it
     * unprivileged. A pending SIGKILL or SIGSTOP is not requeued: it would end or stop the process mid-restore.
     */
    public static void restoreSeized(SyscallInjector inj, List<PendingSignalImage> pending) throws CheckpointException {
        if (pending == null || pending.isEmpty()) {
            return;
        }
        queue(inj, pending, 0);
    }

    /** @param tid the target of thread-directed signals, 0 for the injected thread itself */
    private static void queue(SyscallInjector inj, List<PendingSignalImage> pending, long tid) throws CheckpointException {
        long self = inj.check("getpid", Syscalls.GETPID);
        long target = tid > 0 ? tid : self;
        try (ScratchArea.Frame f = inj.area().frame()) {
            long info = f.reserve(Ptrace.SIGINFO_BYTES);
            for (PendingSignalImage p : pending) {
                if (p.signal() == LibC.SIGKILL || p.signal() == LibC.SIGSTOP) {
                    continue;
                }
                if (p.siginfo().length != Ptrace.SIGINFO_BYTES) {
                    throw new CheckpointException("pending signal " + p.signal() + " of process " + inj.tracee().tid() + " has a "
                            + p.siginfo().length + "-byte siginfo, expected " + Ptrace.SIGINFO_BYTES);
                }
                f.write(info, p.siginfo());
                if (p.shared()) {
                    inj.check("rt_sigqueueinfo(" + p.signal() + ")", Syscalls.RT_SIGQUEUEINFO, self, p.signal(), info);
                } else {
                    inj.check("rt_tgsigqueueinfo(" + p.signal() + ")", Syscalls.RT_TGSIGQUEUEINFO, self, target, p.signal(), info);
                }
            }
        }
    }
}
