package io.quiesce.backend.userspace.linux;

/** x86_64 system call numbers and their flag values, as injected into tracees. */
public final class Syscalls {
    public static final int OPEN = 2, CLOSE = 3, LSEEK = 8, MMAP = 9, MUNMAP = 11, BRK = 12, RT_SIGACTION = 13, RT_SIGPROCMASK = 14,
            MREMAP = 25, PAUSE = 34, DUP2 = 33, GETPID = 39, FCNTL = 72, CHDIR = 80, UMASK = 95, RT_SIGQUEUEINFO = 129,
            PRCTL = 157, RESTART_SYSCALL = 219, SET_TID_ADDRESS = 218, SET_ROBUST_LIST = 273, GET_ROBUST_LIST = 274, TEE = 276,
            PIPE2 = 293, RT_TGSIGQUEUEINFO = 297, PRLIMIT64 = 302, KCMP = 312, RSEQ = 334, PIDFD_OPEN = 434, CLONE3 = 435,
            PIDFD_GETFD = 438;
    /** Calls for shared memory (mincore, memfd) and for ending a recreated zombie. */
    public static final int MPROTECT = 10, MINCORE = 27, KILL = 62, FTRUNCATE = 77, EXIT_GROUP = 231, MEMFD_CREATE = 319;
    /** memfd_create(2) flags. */
    public static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    /** File seals (fcntl F_ADD_SEALS / F_GET_SEALS). */
    public static final int F_ADD_SEALS = 1033, F_GET_SEALS = 1034, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4,
            F_SEAL_WRITE = 8, F_SEAL_FUTURE_WRITE = 16, F_SEAL_EXEC = 0x20;
    /** Calls for System V shared memory, and plain read/write for /proc files read inside a tracee. */
    public static final int READ = 0, WRITE = 1, SHMGET = 29, SHMAT = 30, SHMCTL = 31, FCHMOD = 91;
    /** shmget/shmctl/shmat values. */
    public static final int IPC_PRIVATE = 0, IPC_CREAT = 01000, IPC_EXCL = 02000, IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, SHM_RDONLY = 010000;
    /** Per-thread state: alternate signal stack, CPU affinity, the caller's TID. */
    public static final int SIGALTSTACK = 131, GETTID = 186, SCHED_SETAFFINITY = 203, SCHED_GETAFFINITY = 204;
    /** clone flags of a thread as glibc's pthread_create makes it (with CLONE_CHILD_CLEARTID for pthread_join). */
    public static final long CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_THREAD = 0x10000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_CHILD_CLEARTID = 0x200000;
    /** prlimit64(2) resource: core file size. */
    public static final int RLIMIT_CORE = 4;
    /** The child-exit signal of a fork. */
    public static final int SIGCHLD = 17;
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
            MAP_GROWSDOWN = 0x100, MAP_FIXED_NOREPLACE = 0x100000;
    public static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;
    public static final int PR_SET_NAME = 15, PR_SET_MM = 35, PR_SET_MM_MAP = 14, PR_GET_TID_ADDRESS = 40;
    public static final int F_SETFD = 2, F_SETFL = 4, FD_CLOEXEC = 1, SEEK_SET = 0, F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031,
            F_GETPIPE_SZ = 1032;
    /** kcmp(2) type: same open file description. */
    public static final int KCMP_FILE = 0;
    /** kcmp(2) type: same address space (a vfork child before its exec shares its parent's). */
    public static final int KCMP_VM = 1;
    /** splice/tee flag. */
    public static final int SPLICE_F_NONBLOCK = 2;
    public static final int RSEQ_FLAG_UNREGISTER = 1;
    /** Restart codes a syscall interrupted by a stop leaves in rax (kernel-internal errnos, negated). */
    /** Syscalls that may leave ERESTART_RESTARTBLOCK (see registers.RestartRules). */
    public static final long POLL = 7, NANOSLEEP = 35, FUTEX = 202, CLOCK_NANOSLEEP = 230, PPOLL = 271;
    public static final long ERESTARTSYS = -512, ERESTARTNOINTR = -513, ERESTARTNOHAND = -514,
            ERESTART_RESTARTBLOCK = -516, EINTR = -4;

    /** Calls that make and fill the event and notification descriptors (eventfd, timerfd, signalfd, epoll, inotify). */
    public static final int IOCTL = 16, INOTIFY_ADD_WATCH = 254, INOTIFY_RM_WATCH = 255, TIMERFD_CREATE = 283,
            TIMERFD_SETTIME = 286, SIGNALFD4 = 289, EVENTFD2 = 290, EPOLL_CREATE1 = 291, INOTIFY_INIT1 = 294, EPOLL_CTL = 233,
            CLOCK_GETTIME = 228, OPEN_BY_HANDLE_AT = 304;
    /** eventfd2(2) flag (EFD_NONBLOCK and EFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC). */
    public static final int EFD_SEMAPHORE = 1;
    /** epoll_ctl(2) operation. */
    public static final int EPOLL_CTL_ADD = 1;
    /** ioctl(2) requests: set a timerfd's expirations (CONFIG_CHECKPOINT_RESTORE), bytes readable. */
    public static final long TFD_IOC_SET_TICKS = 0x40085400L, FIONREAD = 0x541b;
    /** kcmp(2) type: the file an epoll registration names against a descriptor. */
    public static final int KCMP_EPOLL_TFD = 7;
    /** open(2) flags of the descriptor kinds reopened by path. */
    public static final int O_DIRECTORY = 0200000, O_PATH = 010000000;

    private Syscalls() {
    }
}
