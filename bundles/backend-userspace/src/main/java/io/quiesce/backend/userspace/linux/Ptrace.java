package io.quiesce.backend.userspace.linux;

/** ptrace(2) requests, options, events and ELF note types used by the engine (x86_64 values). */
public final class Ptrace {
    public static final long CONT = 7, KILL = 8, GETREGS = 12, SETREGS = 13, DETACH = 17, SYSCALL = 24;
    public static final long SETOPTIONS = 0x4200, GETEVENTMSG = 0x4201, GETREGSET = 0x4204, SETREGSET = 0x4205;
    public static final long SEIZE = 0x4206, INTERRUPT = 0x4207, GETSIGMASK = 0x420a, SETSIGMASK = 0x420b;
    public static final long GET_RSEQ_CONFIGURATION = 0x420f;
    /** PTRACE_PEEKSIGINFO: copies queued siginfos without dequeuing them (data = how many, addr = the args). */
    public static final long PEEKSIGINFO = 0x4209;
    /** ptrace_peeksiginfo_args.flags: read the process-wide queue instead of the thread's own. */
    public static final int PEEKSIGINFO_SHARED = 1;
    /** sizeof(siginfo_t) on x86_64: what PEEKSIGINFO copies per signal and rt_sigqueueinfo reads. */
    public static final int SIGINFO_BYTES = 128;
    /** PTRACE_O_TRACESYSGOOD: syscall stops report SIGTRAP|0x80, so they cannot be confused with a real SIGTRAP. */
    public static final long O_TRACESYSGOOD = 1;
    /** PTRACE_O_TRACEFORK: a fork(2)-like clone stops the parent at EVENT_FORK and auto-attaches the child. */
    public static final long O_TRACEFORK = 2;
    /** PTRACE_O_TRACEVFORK: the same for vfork-like clones (EVENT_VFORK). */
    public static final long O_TRACEVFORK = 4;
    /** PTRACE_O_TRACECLONE: a thread-creating clone stops the caller at EVENT_CLONE and auto-attaches the thread. */
    public static final long O_TRACECLONE = 8;
    /** The event of the parent's stop after a fork-like clone; GETEVENTMSG then gives the child's PID. */
    public static final int EVENT_FORK = 1;
    /** The events after a vfork-like and a thread-creating clone; GETEVENTMSG gives the new TID. */
    public static final int EVENT_VFORK = 2, EVENT_CLONE = 3;
    /** The event of a stop caused by PTRACE_INTERRUPT or a group stop under SEIZE (status >> 16). */
    public static final int EVENT_STOP = 128;
    /** ELF note types for GETREGSET/SETREGSET. */
    public static final long NT_PRSTATUS = 1, NT_PRFPREG = 2, NT_X86_XSTATE = 0x202;
    /** Size of the kernel sigset_t, the {@code addr} argument of GETSIGMASK/SETSIGMASK. */
    public static final long SIGSET_BYTES = 8;

    private Ptrace() {
    }
}
