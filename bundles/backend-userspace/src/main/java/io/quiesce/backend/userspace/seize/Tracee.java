package io.quiesce.backend.userspace.seize;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.linux.Iovec;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.linux.RseqConfiguration;
import io.quiesce.backend.userspace.linux.X86_64Regs;

/**
 * One traced thread: the ptrace requests the engine makes, each turned into a {@link CheckpointException} that
 * names the TID, the request and the errno. Every method must run on the session's {@link Tracer} thread; methods
 * named {@code *Seized} need the tracee in a ptrace stop.
 */
public final class Tracee {
    private static final LibC C = LibC.INSTANCE;
    private final int tid;
    private final Memory regs = new Memory(X86_64Regs.SIZE);

    /** @param tid the thread to trace (the PID for a single-threaded process) */
    public Tracee(int tid) {
        this.tid = tid;
    }

    /** @return the traced thread's ID */
    public int tid() {
        return tid;
    }

    /** PTRACE_SETOPTIONS on a stopped tracee. */
    public void setOptionsSeized(long options) throws CheckpointException {
        ptrace(Ptrace.SETOPTIONS, 0, options, "PTRACE_SETOPTIONS");
    }

    /** @return PTRACE_GETEVENTMSG: after EVENT_FORK, the new child's PID */
    public long getEventMsgSeized() throws CheckpointException {
        Memory m = new Memory(8);
        ptrace(Ptrace.GETEVENTMSG, 0, Pointer.nativeValue(m), "PTRACE_GETEVENTMSG");
        return m.getLong(0);
    }

    /** PTRACE_SEIZE with TRACESYSGOOD, then PTRACE_INTERRUPT: the thread stops at its next kernel exit. */
    public void seizeAndInterrupt() throws CheckpointException {
        seize(Ptrace.O_TRACESYSGOOD);
        interrupt();
    }

    /** PTRACE_SEIZE with {@code options} (the thread runs on until interrupted). */
    public void seize(long options) throws CheckpointException {
        ptrace(Ptrace.SEIZE, 0, options, "PTRACE_SEIZE");
    }

    /** PTRACE_INTERRUPT: a trap at the thread's next kernel exit (also asked again after another stop took it). */
    public void interrupt() throws CheckpointException {
        ptrace(Ptrace.INTERRUPT, 0, 0, "PTRACE_INTERRUPT");
    }

    /**
     * @return the status of a stop or end the thread reported, without waiting: 0 when there is none yet
     * @throws CheckpointException when it cannot be waited for (ECHILD: not traced by this thread)
     */
    public int pollStatus() throws CheckpointException {
        int[] st = new int[1];
        while (true) {
            int rc = C.waitpid(tid, st, LibC.WALL | LibC.WNOHANG);
            if (rc == tid) {
                return st[0];
            }
            if (rc == 0) {
                return 0;
            }
            int e = Native.getLastError();
            if (e != 4) {
                throw fail("waitpid", e);
            }
        }
    }

    /** Sets the thread's CPU affinity from the tracer (sched_setaffinity(2)); @return 0, or the errno (EPERM: not allowed) */
    public int setAffinity(byte[] mask) {
        Memory m = new Memory(mask.length);
        m.write(0, mask, 0, mask.length);
        long rc = C.syscall(io.quiesce.backend.userspace.linux.Syscalls.SCHED_SETAFFINITY, tid, mask.length, Pointer.nativeValue(m));
        return rc < 0 ? Native.getLastError() : 0;
    }

    /** @return the thread's CPU affinity mask (sched_getaffinity(2) from the tracer), as many bytes as the kernel's */
    public byte[] affinity() throws CheckpointException {
        Memory m = LibC.buffer(128);
        long n = C.syscall(io.quiesce.backend.userspace.linux.Syscalls.SCHED_GETAFFINITY, tid, m.size(), Pointer.nativeValue(m));
        if (n < 0) {
            throw fail("sched_getaffinity", Native.getLastError());
        }
        return m.getByteArray(0, (int) n);
    }

    /**
     * Waits until the thread sits in the interrupt's event stop. A signal-delivery stop that comes first is
     * passed on (the signal is delivered as it would have been without us).
     */
    public void awaitInterruptStop() throws CheckpointException {
        while (true) {
            int s = waitStop("the freeze");
            if (WaitStatus.event(s) == Ptrace.EVENT_STOP) {
                return;
            }
            interrupt(); // the stop that came first took the interrupt's trap
            if (WaitStatus.event(s) == 0 && WaitStatus.stopSignal(s) != (LibC.SIGTRAP | 0x80)) {
                ptrace(Ptrace.CONT, 0, WaitStatus.stopSignal(s), "PTRACE_CONT");
            } else {
                ptrace(Ptrace.CONT, 0, 0, "PTRACE_CONT");
            }
        }
    }

    /**
     * Waits for the thread's next stop.
     *
     * @param during what the engine was doing, for the message when the thread ended instead
     * @return the stop's status
     */
    public int waitStop(String during) throws CheckpointException {
        int[] st = new int[1];
        while (true) {
            int rc = C.waitpid(tid, st, LibC.WALL);
            if (rc == tid) {
                break;
            }
            int e = Native.getLastError();
            if (rc < 0 && e == 4) {
                continue; // EINTR
            }
            throw fail("waitpid", e);
        }
        if (!WaitStatus.stopped(st[0])) {
            throw new CheckpointException("process " + tid + " " + WaitStatus.describe(st[0]) + " during " + during, tid,
                    null, null, null);
        }
        return st[0];
    }

    /**
     * Tells whether the traced process has ended (a SIGKILL ends even a stopped tracee), without reaping it.
     *
     * @return how it ended ({@link WaitStatus#describe}: {@code "killed by signal 9"}), or null while it lives
     */
    public String peekEnd() {
        Memory info = LibC.buffer(Ptrace.SIGINFO_BYTES);
        int rc = C.waitid(LibC.P_PID, tid, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT | LibC.WALL);
        if (rc < 0) {
            // ECHILD: no longer ours to wait for, so it has ended and been reaped (by another thread of this JVM)
            return Native.getLastError() == 10 ? "ended" : null;
        }
        if (info.getInt(16) != tid) {
            return null;
        }
        int status = info.getInt(24);
        return WaitStatus.describe(info.getInt(8) == 1 ? (status & 0xff) << 8 : status & 0x7f); // CLD_EXITED, else a signal
    }

    /**
     * Lets the thread run until it ends, passing on every signal it stops with, and takes its end as its tracer
     * (for a thread that is not this JVM's child, its parent then sees it as a zombie).
     *
     * @return its wait status
     */
    public int awaitEndSeized() throws CheckpointException {
        int[] st = new int[1];
        while (true) {
            int rc = C.waitpid(tid, st, LibC.WALL);
            if (rc != tid) {
                int e = Native.getLastError();
                if (rc < 0 && e == 4) {
                    continue; // EINTR
                }
                throw fail("waitpid", e);
            }
            if (WaitStatus.ended(st[0])) {
                return st[0];
            }
            boolean signal = WaitStatus.event(st[0]) == 0 && WaitStatus.stopSignal(st[0]) != (LibC.SIGTRAP | 0x80);
            ptrace(Ptrace.CONT, 0, signal ? WaitStatus.stopSignal(st[0]) : 0, "PTRACE_CONT");
        }
    }

    /** @return the thread's general registers */
    public X86_64Regs getRegsSeized() throws CheckpointException {
        ptrace(Ptrace.GETREGS, 0, Pointer.nativeValue(regs), "PTRACE_GETREGS");
        return X86_64Regs.read(regs);
    }

    /** Sets the thread's general registers. */
    public void setRegsSeized(X86_64Regs r) throws CheckpointException {
        r.write(regs);
        ptrace(Ptrace.SETREGS, 0, Pointer.nativeValue(regs), "PTRACE_SETREGS");
    }

    /** @return the bytes of a register set (NT_X86_XSTATE: 2440 on this CPU; the kernel says how many) */
    public byte[] getRegSetSeized(long type) throws CheckpointException {
        Memory buf = LibC.buffer(16384);
        Iovec iov = new Iovec();
        iov.base = Pointer.nativeValue(buf);
        iov.len = buf.size();
        iov.write();
        ptrace(Ptrace.GETREGSET, type, Pointer.nativeValue(iov.getPointer()), "PTRACE_GETREGSET");
        iov.read();
        return buf.getByteArray(0, (int) iov.len);
    }

    /** Sets a register set from saved bytes. */
    public void setRegSetSeized(long type, byte[] data) throws CheckpointException {
        Memory buf = new Memory(data.length);
        buf.write(0, data, 0, data.length);
        Iovec iov = new Iovec();
        iov.base = Pointer.nativeValue(buf);
        iov.len = data.length;
        iov.write();
        ptrace(Ptrace.SETREGSET, type, Pointer.nativeValue(iov.getPointer()), "PTRACE_SETREGSET");
    }

    /** @return the blocked-signal mask (bit n-1 = signal n) */
    public long getSigMaskSeized() throws CheckpointException {
        Memory m = LibC.buffer(8);
        ptrace(Ptrace.GETSIGMASK, Ptrace.SIGSET_BYTES, Pointer.nativeValue(m), "PTRACE_GETSIGMASK");
        return m.getLong(0);
    }

    /** Sets the blocked-signal mask (the kernel drops SIGKILL and SIGSTOP from it). */
    public void setSigMaskSeized(long mask) throws CheckpointException {
        Memory m = new Memory(8);
        m.setLong(0, mask);
        ptrace(Ptrace.SETSIGMASK, Ptrace.SIGSET_BYTES, Pointer.nativeValue(m), "PTRACE_SETSIGMASK");
    }

    /** @return the thread's rseq registration (pointer 0 when none) */
    public RseqConfiguration getRseqSeized() throws CheckpointException {
        RseqConfiguration c = new RseqConfiguration();
        ptrace(Ptrace.GET_RSEQ_CONFIGURATION, c.size(), Pointer.nativeValue(c.getPointer()), "PTRACE_GET_RSEQ_CONFIGURATION");
        c.read();
        return c;
    }

    /**
     * Copies the queued signals of the thread (or of its whole process with {@code shared}) without dequeuing
     * them, oldest first, with PTRACE_PEEKSIGINFO.
     *
     * @return one raw siginfo ({@link Ptrace#SIGINFO_BYTES} bytes) per queued signal
     */
    public java.util.List<byte[]> peekSigInfoSeized(boolean shared) throws CheckpointException {
        final int batch = 32;
        Memory args = LibC.buffer(16); // struct ptrace_peeksiginfo_args {u64 off; u32 flags; s32 nr}
        Memory buf = new Memory((long) batch * Ptrace.SIGINFO_BYTES);
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        while (true) {
            args.setLong(0, out.size());
            args.setInt(8, shared ? Ptrace.PEEKSIGINFO_SHARED : 0);
            args.setInt(12, batch);
            long n = ptrace(Ptrace.PEEKSIGINFO, Pointer.nativeValue(args), Pointer.nativeValue(buf), "PTRACE_PEEKSIGINFO");
            for (int i = 0; i < n; i++) {
                out.add(buf.getByteArray((long) i * Ptrace.SIGINFO_BYTES, Ptrace.SIGINFO_BYTES));
            }
            if (n < batch) {
                return out;
            }
        }
    }

    /** Resumes the thread until its next stop, delivering {@code signal} (0 for none). */
    public void cont(int signal) throws CheckpointException {
        ptrace(Ptrace.CONT, 0, signal, "PTRACE_CONT");
    }

    /** Resumes the thread until the next syscall entry or exit. */
    public void syscallStep() throws CheckpointException {
        ptrace(Ptrace.SYSCALL, 0, 0, "PTRACE_SYSCALL");
    }

    /** Lets the thread run free of the tracer. */
    public void detachSeized() throws CheckpointException {
        ptrace(Ptrace.DETACH, 0, 0, "PTRACE_DETACH");
    }

    /**
     * @return the thread's robust-futex list head and its length, read from the tracer with get_robust_list(2)
     */
    public long[] robustList() throws CheckpointException {
        Memory head = LibC.buffer(8);
        Memory len = LibC.buffer(8);
        long rc = C.syscall(io.quiesce.backend.userspace.linux.Syscalls.GET_ROBUST_LIST, tid, Pointer.nativeValue(head),
                Pointer.nativeValue(len));
        if (rc < 0) {
            throw fail("get_robust_list", Native.getLastError());
        }
        return new long[] { head.getLong(0), len.getLong(0) };
    }

    private long ptrace(long req, long addr, long data, String name) throws CheckpointException {
        long rc = C.ptrace(req, tid, addr, data);
        if (rc == -1) {
            int e = Native.getLastError();
            if (e != 0) {
                throw fail(name, e);
            }
        }
        return rc;
    }

    private CheckpointException fail(String what, int errno) {
        String hint = errno == 1 ? " (no permission to trace it: another tracer, or Yama ptrace_scope)" : "";
        return new CheckpointException(what + " on process " + tid + " failed: " + Errno.name(errno) + hint, tid,
                Errno.name(errno), null, null);
    }
}
