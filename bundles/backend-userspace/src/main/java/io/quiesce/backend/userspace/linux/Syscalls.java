package io.quiesce.backend.userspace.linux;

/** x86_64 system call numbers and their flag values, as injected into tracees. */
public final class Syscalls {
    public static final int OPEN = 2, CLOSE = 3, LSEEK = 8, MMAP = 9, MUNMAP = 11, BRK = 12, RT_SIGACTION = 13,
            MREMAP = 25, PAUSE = 34, DUP2 = 33, GETPID = 39, FCNTL = 72, CHDIR = 80, UMASK = 95, RT_SIGQUEUEINFO = 129,
            PRCTL = 157, RESTART_SYSCALL = 219, SET_TID_ADDRESS = 218, SET_ROBUST_LIST = 273, GET_ROBUST_LIST = 274, TEE = 276,
            PIPE2 = 293, RT_TGSIGQUEUEINFO = 297, PRLIMIT64 = 302, KCMP = 312, RSEQ = 334, PIDFD_OPEN = 434, CLONE3 = 435,
            PIDFD_GETFD = 438;
    /** Calls for shared memory (mincore, memfd) and for ending a recreated zombie. */
    public static final int MPROTECT = 10, MINCORE = 27, KILL = 62, FTRUNCATE = 77, EXIT_GROUP = 231, MEMFD_CREATE = 319;
    /** Per-thread state: alternate signal stack, CPU affinity, the caller's TID. */
    public static final int SIGALTSTACK = 131, GETTID = 186, SCHED_SETAFFINITY = 203, SCHED_GETAFFINITY = 204;
    /** clone flags of a thread as glibc's pthread_create makes it (with CLONE_CHILD_CLEARTID for pthread_join). */
    public static final long CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_THREAD = 0x10000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_CHILD_CLEARTID = 0x200000;
    /** memfd_create(2) flag. */
    public static final int MFD_CLOEXEC = 1;
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
    public static final long ERESTARTSYS = -512, ERESTARTNOINTR = -513, ERESTARTNOHAND = -514,
            ERESTART_RESTARTBLOCK = -516, EINTR = -4;

    private Syscalls() {
    }
}
