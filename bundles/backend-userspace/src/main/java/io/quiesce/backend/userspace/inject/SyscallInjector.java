package io.quiesce.backend.userspace.inject;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.linux.CloneArgs;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.proc.Vma;
import io.quiesce.backend.userspace.registers.RestartRules;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.WaitStatus;
import java.util.List;

/**
 * Runs system calls inside a stopped tracee, for the state only the process itself can tell or change
 * (sigactions, brk, mappings, descriptors).
 *
 * <p>Bootstrap: the first call (mmap of a private RWX scratch area) runs through the {@code syscall} instruction
 * the tracee was stopped after (or one patched in at rip), stepped with PTRACE_SYSCALL to its entry and exit stop.
 * The scratch area then holds {@code syscall; int3}, for sequences, fork and thread creation (continued to the int3's
 * SIGTRAP), and in its last page the code single calls are stepped through, whose fallback resumes the process
 * should its tracer vanish mid-call (see {@link #resumeCode}). All signals are blocked meanwhile so that nothing
 * but our stops stops the tracee.
 * {@link #finishSeized} unmaps the scratch area with rip inside it, stepping to the syscall exit so no instruction
 * runs after it, and leaves the tracee stopped there with the final registers.
 */
public final class SyscallInjector {
    /** Size of the scratch area's code and data: code, small buffers, and a page for path strings. */
    public static final int SCRATCH_SIZE = 0x2000;
    /**
     * The page after them, which nothing else writes: the code single calls run through, and the registers and mask
     * its fallback resumes the process with (see {@link #call}).
     */
    private static final int RESUME_PAGE = SCRATCH_SIZE;
    /** What is mapped: the scratch area and its resume page. */
    public static final int MAPPED_SIZE = SCRATCH_SIZE + 0x1000;
    /** Where single calls run from: {@code syscall}, then the fallback (public for the test that plays a dying tracer). */
    public static final int RESUME_CODE = RESUME_PAGE;
    /** The resume block: rax..r15 in {@link X86_64Regs} order (its first 15), then rip, eflags, the signal mask. */
    private static final int RESUME_BLOCK = RESUME_PAGE + 0x100;
    private static final int BLOCK_RIP = RESUME_BLOCK + 15 * 8, BLOCK_FLAGS = BLOCK_RIP + 8, BLOCK_MASK = BLOCK_FLAGS + 8;
    /** Offsets of the scratch area's fixed parts (older callers; new code takes space from {@link #area()}). */
    public static final int CODE = 0, STRUCT = 0x100, OUT = 0x200, MM_MAP = 0x400, PATH = 0x1000;
    private static final int SYSCALL_STOP = LibC.SIGTRAP | 0x80;
    private static final byte[] SYSCALL_INT3 = { 0x0f, 0x05, (byte) 0xcc };

    private final Tracee tracee;
    private final ProcessMemory memory;
    private final X86_64Regs template;
    /** The registers it runs on with, once done or should its tracer vanish: {@link #template} set to restart its syscall */
    private final X86_64Regs resume;
    private final long scratch;
    private final long savedMask;
    private final ScratchArea area;
    /** The ptrace options last set through this injector (-1: not yet). */
    private long options = -1;
    private int calls;
    /** A SIGSTOP met while injecting (a fabric holds this process for after release); queued again when done. */
    private boolean heldStop;

    private SyscallInjector(Tracee tracee, ProcessMemory memory, X86_64Regs template, long scratch, long savedMask) {
        this.tracee = tracee;
        this.memory = memory;
        this.template = template;
        this.resume = RestartRules.forResume(template);
        this.scratch = scratch;
        this.savedMask = savedMask;
        this.area = new ScratchArea(scratch, memory);
    }

    /** @return the scratch area's data part, handed out in frames */
    public ScratchArea area() {
        return area;
    }

    /**
     * Maps the scratch area into a stopped tracee.
     *
     * @param tracee  a tracee in a ptrace stop
     * @param memory  its memory
     * @param scratch where to map the scratch area: free in the tracee (and, for a restore, in the saved layout)
     * @return an injector ready for {@link #call}
     */
    public static SyscallInjector bootstrapSeized(Tracee tracee, ProcessMemory memory, long scratch) throws CheckpointException {
        X86_64Regs regs = tracee.getRegsSeized();
        long mask = tracee.getSigMaskSeized();
        long rip = regs.get(X86_64Regs.RIP);
        long insn;
        byte[] patched = null;
        // A tracee stopped inside a syscall has rip right after its `syscall` instruction; reuse that one.
        if (regs.get(X86_64Regs.ORIG_RAX) >= 0 && isSyscallInsn(memory.read(rip - 2, 2))) {
            insn = rip - 2;
        } else {
            insn = rip;
            patched = memory.read(rip, 2);
            memory.write(rip, new byte[] { 0x0f, 0x05 });
        }
        SyscallInjector inj = new SyscallInjector(tracee, memory, regs, scratch, mask);
        long got;
        try {
            got = inj.stepped(insn, Syscalls.MMAP, scratch, MAPPED_SIZE,
                    Syscalls.PROT_READ | Syscalls.PROT_WRITE | Syscalls.PROT_EXEC,
                    Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_FIXED_NOREPLACE, -1, 0);
        } catch (CheckpointException | RuntimeException e) {
            inj.abandonSeized(inj.resume); // it must not run on with our mmap in its registers
            throw e;
        } finally {
            if (patched != null) {
                memory.write(rip, patched);
            }
        }
        if (got != scratch) {
            inj.abandonSeized(inj.resume);
            throw new CheckpointException(String.format("cannot map the injection scratch area at 0x%x in process %d: %s",
                    scratch, tracee.tid(), got < 0 ? Errno.name(got) : String.format("got 0x%x", got)), tracee.tid(),
                    got < 0 ? Errno.name(got) : null, null, null);
        }
        memory.write(scratch + CODE, SYSCALL_INT3);
        memory.write(scratch + RESUME_CODE, resumeCode());
        return inj;
    }

    /**
     * The code a single injected call runs through: {@code syscall}, then what runs only if no tracer takes the
     * call's exit stop (the platform was killed, or crashed, mid-call): it sets the signal mask from the resume block
     * (rt_sigprocmask, with the process's own stack pointer, so a signal let in from then on is delivered as usual)
     * and loads every general register, the flags and rip from it, so the process goes on as if it had never been
     * stopped. Without it, such a process ran on into our int3 and died. Every address is rip-relative: the code
     * and the block sit in one page wherever the scratch area is. FPU state is never touched by injected calls.
     */
    private static byte[] resumeCode() {
        java.nio.ByteBuffer c = java.nio.ByteBuffer.allocate(256).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        c.put((byte) 0x0f).put((byte) 0x05); // syscall: the injected call
        c.put((byte) 0xb8).putInt(Syscalls.RT_SIGPROCMASK); // mov eax, rt_sigprocmask
        c.put((byte) 0xbf).putInt(2); // mov edi, SIG_SETMASK
        ripRelative(c, new byte[] { 0x48, (byte) 0x8d, 0x35 }, BLOCK_MASK); // lea rsi, [mask]
        c.put((byte) 0x31).put((byte) 0xd2); // xor edx, edx: no old mask wanted
        c.put((byte) 0x41).put((byte) 0xba).putInt(8); // mov r10d, sizeof(sigset_t)
        c.put((byte) 0x0f).put((byte) 0x05); // syscall
        // mov reg, [block + 8 * index] for the 15 general registers but rsp, in X86_64Regs order
        int[] numbers = { 15, 14, 13, 12, 5, 3, 11, 10, 9, 8, 0, 1, 2, 6, 7 };
        for (int i = 0; i < numbers.length; i++) {
            int n = numbers[i];
            ripRelative(c, new byte[] { (byte) (0x48 | (n >= 8 ? 0x04 : 0)), (byte) 0x8b, (byte) (0x05 | (n & 7) << 3) }, RESUME_BLOCK + 8 * i);
        }
        // the flags go through the stack, below the interrupted code's red zone (128 bytes under rsp)
        c.put(new byte[] { 0x48, (byte) 0x8d, (byte) 0xa4, 0x24 }).putInt(-136); // lea rsp, [rsp - 136]
        ripRelative(c, new byte[] { (byte) 0xff, 0x35 }, BLOCK_FLAGS); // push qword [flags]
        c.put((byte) 0x9d); // popfq
        c.put(new byte[] { 0x48, (byte) 0x8d, (byte) 0xa4, 0x24 }).putInt(136); // lea rsp, [rsp + 136] (flags kept)
        ripRelative(c, new byte[] { (byte) 0xff, 0x25 }, BLOCK_RIP); // jmp qword [rip]
        if (c.position() > RESUME_BLOCK - RESUME_CODE) {
            throw new IllegalStateException("resume code overlaps its block");
        }
        return java.util.Arrays.copyOf(c.array(), c.position());
    }

    /** Appends an instruction whose last operand is a rip-relative disp32 to {@code target} (a scratch offset). */
    private static void ripRelative(java.nio.ByteBuffer c, byte[] opcode, int target) {
        c.put(opcode);
        int next = RESUME_CODE + c.position() + 4;
        c.putInt(target - next);
    }

    /**
     * Writes what the resume code gives back to the thread: its registers and mask as it should run on. Every call
     * writes it: the process's threads share the block.
     */
    private void writeResumeBlock() throws CheckpointException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(18 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 15; i++) {
            b.putLong(resume.get(i));
        }
        b.putLong(resume.get(X86_64Regs.RIP)).putLong(resume.get(X86_64Regs.EFLAGS)).putLong(savedMask);
        memory.write(scratch + RESUME_BLOCK, b.array());
    }

    /**
     * Maps a scratch area into a tracee stopped at any ptrace stop, at an address free in its current mappings, for
     * calls that must leave it exactly as it was: close with {@link #finishAsOpenedSeized}.
     *
     * @param tracee a tracee in a ptrace stop
     * @param memory its memory
     * @param proc   the /proc root
     */
    public static SyscallInjector openSeized(Tracee tracee, ProcessMemory memory, java.nio.file.Path proc) throws CheckpointException {
        List<Vma> vmas;
        try {
            vmas = io.quiesce.backend.userspace.proc.ProcMaps.read(proc, tracee.tid());
        } catch (java.io.IOException | RuntimeException e) {
            throw new CheckpointException("cannot read /proc/" + tracee.tid() + "/maps: " + e.getMessage(), tracee.tid(), null, null, e);
        }
        return bootstrapSeized(tracee, memory, chooseScratch(List.of(vmas)));
    }

    /**
     * Unmaps the scratch area and puts back the registers and signal mask the tracee had when the injector was
     * made, with an interrupted syscall set to restart as the kernel would have (the tracee is the same process,
     * so its restart block is intact).
     */
    public void finishAsOpenedSeized() throws CheckpointException {
        finishSeized(resume, savedMask);
    }

    /**
     * Takes over a scratch area the tracee already has: a child forked by {@link #forkSeized} inherits its parent's,
     * and is stopped in its first stop with rip inside it.
     *
     * @param tracee  the forked child, in its first (event) stop
     * @param memory  its memory
     * @param scratch the scratch address of the parent's injector
     */
    public static SyscallInjector adoptSeized(Tracee tracee, ProcessMemory memory, long scratch) throws CheckpointException {
        return new SyscallInjector(tracee, memory, tracee.getRegsSeized(), scratch, tracee.getSigMaskSeized());
    }

    /**
     * Forks the tracee with an injected clone3(2) (a plain fork: exit signal SIGCHLD, no shared state), the child
     * being auto-attached through PTRACE_O_TRACEFORK. With {@code pid > 0} the child gets that PID through
     * {@code set_tid} (needs CAP_CHECKPOINT_RESTORE over the PID namespace and a free PID).
     *
     * @param pid the PID wanted in the tracee's PID namespace, or 0 for any
     * @return the child's PID in this JVM's PID namespace, or a negative errno when clone3 failed (no child exists then)
     */
    public long forkSeized(long pid) throws CheckpointException {
        try (ScratchArea.Frame f = area.frame()) {
            long at = f.reserve(CloneArgs.SIZE + 8);
            memory.write(at, CloneArgs.bytes(0, Syscalls.SIGCHLD, 0, 0, pid, at));
            return cloneSeized(at, Ptrace.O_TRACEFORK, Ptrace.EVENT_FORK, "clone3 (fork)");
        }
    }

    /**
     * Creates a thread in the tracee with an injected clone3(2), flags as glibc's pthread_create, auto-attached
     * through PTRACE_O_TRACECLONE. It has no robust list, rseq or sigaltstack yet, and starts in an event stop
     * with rip inside the scratch area, ready for {@link #adoptThreadSeized}.
     *
     * @param tid      the TID wanted in the tracee's PID namespace (set_tid), 0 for any
     * @param tls      its fs_base (CLONE_SETTLS)
     * @param clearTid its clear_child_tid address (CLONE_CHILD_CLEARTID: the kernel clears it and wakes the futex
     *                 there when the thread ends, which pthread_join waits for), 0 for none
     * @return the new thread's TID in this JVM's PID namespace, or a negative errno when clone3 failed
     */
    public long cloneThreadSeized(long tid, long tls, long clearTid) throws CheckpointException {
        long flags = Syscalls.CLONE_VM | Syscalls.CLONE_FS | Syscalls.CLONE_FILES | Syscalls.CLONE_SIGHAND | Syscalls.CLONE_THREAD
                | Syscalls.CLONE_SYSVSEM | Syscalls.CLONE_SETTLS | (clearTid != 0 ? Syscalls.CLONE_CHILD_CLEARTID : 0);
        try (ScratchArea.Frame f = area.frame()) {
            long at = f.reserve(CloneArgs.SIZE + 8);
            memory.write(at, CloneArgs.bytes(flags, 0, clearTid, tls, tid, at));
            return cloneSeized(at, Ptrace.O_TRACECLONE, Ptrace.EVENT_CLONE, "clone3 (thread)");
        }
    }

    /** Runs the clone3 whose args are at {@code args}, with {@code option} set so its child is auto-attached. */
    private long cloneSeized(long args, long option, int event, String what) throws CheckpointException {
        if (options != (Ptrace.O_TRACESYSGOOD | option)) {
            options = Ptrace.O_TRACESYSGOOD | option;
            tracee.setOptionsSeized(options);
        }
        blockAll();
        tracee.setRegsSeized(template.forSyscall(scratch + CODE, Syscalls.CLONE3, args, CloneArgs.SIZE));
        tracee.cont(0);
        int s = injectionStop("injected " + what, false);
        long child = -1;
        if (WaitStatus.event(s) == event) {
            child = tracee.getEventMsgSeized();
            tracee.cont(0);
            s = injectionStop("injected " + what, false);
        }
        if (WaitStatus.stopSignal(s) != LibC.SIGTRAP || WaitStatus.event(s) != 0) {
            throw new CheckpointException("process " + tracee.tid() + " stopped unexpectedly (" + WaitStatus.describe(s)
                    + ") in injected " + what, tracee.tid(), null, null, null);
        }
        calls++;
        long rc = tracee.getRegsSeized().get(X86_64Regs.RAX);
        if (rc >= 0 && child < 0) {
            throw new CheckpointException("process " + tracee.tid() + ": injected " + what + " returned " + rc + " without its event",
                    tracee.tid(), null, null, null);
        }
        // rc is the ID in the tracee's namespace; the event gives it in ours, which ptrace needs
        return rc < 0 ? rc : child;
    }

    /**
     * Injects into another thread of a process whose leader has the scratch area (it is shared: same mm). The
     * thread's registers and mask are kept for {@link #releaseThreadSeized}; every signal is blocked meanwhile.
     *
     * @param tracee  the thread, in a ptrace stop
     * @param memory  the process's memory
     * @param scratch the leader injector's scratch address
     */
    public static SyscallInjector adoptThreadSeized(Tracee tracee, ProcessMemory memory, long scratch) throws CheckpointException {
        X86_64Regs regs = tracee.getRegsSeized();
        return new SyscallInjector(tracee, memory, regs, scratch, tracee.getSigMaskSeized());
    }

    /**
     * Ends injection into a thread adopted with {@link #adoptThreadSeized}: sets its final registers and mask,
     * leaving the scratch area for the leader to unmap. The thread stays in its ptrace stop.
     */
    public void releaseThreadSeized(X86_64Regs finalRegs, long mask) throws CheckpointException {
        tracee.setRegsSeized(finalRegs.with(X86_64Regs.ORIG_RAX, -1));
        tracee.setSigMaskSeized(mask);
        requeueHeldStop();
    }

    /** @return the registers the tracee had when this injector was made */
    public X86_64Regs template() {
        return template;
    }

    private static boolean isSyscallInsn(byte[] b) {
        return b[0] == 0x0f && b[1] == 0x05;
    }

    /**
     * Picks the scratch address: the first 1 GiB-aligned range free in every given layout.
     *
     * @param layouts the mappings that must not be overlapped
     * @return a free, aligned address
     */
    public static long chooseScratch(List<List<Vma>> layouts) {
        return freeRange(1L << 30, 1L << 30, MAPPED_SIZE, layouts);
    }

    /**
     * @param from  first candidate address
     * @param step  candidate spacing (alignment)
     * @param len   bytes needed
     * @param taken layouts whose mappings must not be overlapped
     * @return the first candidate whose range overlaps none of them
     */
    public static long freeRange(long from, long step, long len, List<List<Vma>> taken) {
        for (long cand = from; cand < 0x7f0000000000L; cand += step) {
            long a = cand;
            long end = a + len;
            boolean free = taken.stream().flatMap(List::stream).filter(v -> !v.vsyscall())
                    .noneMatch(v -> a < v.end() && v.start() < end);
            if (free) {
                return a;
            }
        }
        throw new IllegalStateException("no free address range of " + len + " bytes");
    }

    /** @return the scratch area's address */
    public long scratch() {
        return scratch;
    }

    /** @return the tracee */
    public Tracee tracee() {
        return tracee;
    }

    /** @return the tracee's signal mask before the bootstrap blocked every signal */
    public long savedMask() {
        return savedMask;
    }

    /** @return how many calls were injected so far */
    public int calls() {
        return calls;
    }

    /** Writes bytes into the scratch area at {@code offset}. */
    public void put(int offset, byte[] data) throws CheckpointException {
        memory.write(scratch + offset, data);
    }

    /** @return bytes of the scratch area at {@code offset} */
    public byte[] get(int offset, int len) throws CheckpointException {
        return memory.read(scratch + offset, len);
    }

    /** Writes a NUL-terminated path at {@link #PATH}; @return its address */
    public long putPath(String path) throws CheckpointException {
        byte[] b = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length >= SCRATCH_SIZE - PATH) {
            throw new CheckpointException("path too long to inject: " + path);
        }
        byte[] z = java.util.Arrays.copyOf(b, b.length + 1);
        put(PATH, z);
        return scratch + PATH;
    }

    /**
     * Runs one system call in the tracee.
     *
     * @return its raw result: negative errno values are returned, not thrown
     */
    public long call(int nr, long... args) throws CheckpointException {
        // stepped to its entry and exit stops, so the code after its syscall runs only when no tracer is left
        writeResumeBlock();
        long rc = stepped(scratch + RESUME_CODE, nr, args);
        // between calls the thread holds its own registers and mask: a tracer that vanishes now leaves it as it
        // was, and the resume block (shared by the process's threads) only ever serves the thread mid-call
        tracee.setRegsSeized(resume);
        tracee.setSigMaskSeized(savedMask);
        return rc;
    }

    /**
     * Runs several system calls that must succeed in one stop: a code sequence written into the scratch area loads
     * each call's registers, makes it, stores rax, and ends with int3 (one round trip to the tracee instead of one
     * per call, which is what restoring many threads costs).
     *
     * @param what  one description per call, for the message
     * @param seq   each call as {nr, args...} (up to six arguments)
     * @throws CheckpointException naming the first call that failed, its PID and errno (the later ones ran too)
     */
    public void checkAll(String[] what, long[]... seq) throws CheckpointException {
        if (seq.length == 0) {
            return;
        }
        try (ScratchArea.Frame f = area.frame()) {
            long results = f.reserve(8 * seq.length);
            java.nio.ByteBuffer code = java.nio.ByteBuffer.allocate(seq.length * 82 + 1).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            byte[][] movs = { { 0x48, (byte) 0xb8 }, { 0x48, (byte) 0xbf }, { 0x48, (byte) 0xbe }, { 0x48, (byte) 0xba },
                    { 0x49, (byte) 0xba }, { 0x49, (byte) 0xb8 }, { 0x49, (byte) 0xb9 } }; // mov rax/rdi/rsi/rdx/r10/r8/r9, imm64
            for (int i = 0; i < seq.length; i++) {
                for (int r = 0; r < seq[i].length; r++) {
                    code.put(movs[r]).putLong(seq[i][r]);
                }
                code.put((byte) 0x0f).put((byte) 0x05); // syscall
                code.put((byte) 0x48).put((byte) 0xa3).putLong(results + 8L * i); // mov [results + 8i], rax
            }
            code.put((byte) 0xcc); // int3
            byte[] bytes = java.util.Arrays.copyOf(code.array(), code.position());
            long at = f.put(bytes);
            blockAll();
            tracee.setRegsSeized(template.forSyscall(at, -1));
            tracee.cont(0);
            int s = injectionStop("injected call sequence", false);
            X86_64Regs r = tracee.getRegsSeized();
            if (WaitStatus.stopSignal(s) != LibC.SIGTRAP || WaitStatus.event(s) != 0 || r.get(X86_64Regs.RIP) != at + bytes.length) {
                throw new CheckpointException(String.format("process %d stopped unexpectedly (%s, rip 0x%x) in an injected call sequence",
                        tracee.tid(), WaitStatus.describe(s), r.get(X86_64Regs.RIP)), tracee.tid(), null, null, null);
            }
            this.calls += seq.length;
            java.nio.ByteBuffer got = java.nio.ByteBuffer.wrap(f.read(results, 8 * seq.length)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < seq.length; i++) {
                long rc = got.getLong();
                if (rc < 0 && rc > -4096) {
                    throw new CheckpointException(what[i] + " in process " + tracee.tid() + " failed: " + Errno.name(rc), tracee.tid(),
                            Errno.name(rc), null, null);
                }
            }
        }
    }

    /**
     * Runs one system call that must succeed.
     *
     * @param what what the call does, for the message
     * @return its result
     * @throws CheckpointException naming the call, the PID and the errno when it fails
     */
    public long check(String what, int nr, long... args) throws CheckpointException {
        long rc = call(nr, args);
        if (rc < 0 && rc > -4096) {
            throw new CheckpointException(what + " in process " + tracee.tid() + " failed: " + Errno.name(rc), tracee.tid(),
                    Errno.name(rc), null, null);
        }
        return rc;
    }

    /**
     * Copies a descriptor of another process into the tracee, with injected pidfd_open(2) and pidfd_getfd(2)
     * (allowed between processes of the same user that may trace each other).
     *
     * @param nsPid the other process's PID as the tracee sees it
     * @param fd    its descriptor
     * @return the new descriptor in the tracee (close-on-exec), or a negative errno
     */
    public long takeFdSeized(long nsPid, int fd) throws CheckpointException {
        long pidfd = check("pidfd_open(" + nsPid + ")", Syscalls.PIDFD_OPEN, nsPid, 0);
        long got = call(Syscalls.PIDFD_GETFD, pidfd, fd, 0);
        call(Syscalls.CLOSE, pidfd);
        return got;
    }

    /**
     * Ends the tracee the way a saved zombie ended: exit_group(2) with its exit code, or its signal, delivered with
     * the default action (and no core file: RLIMIT_CORE is set to 0 first, so a saved core-dump flag is lost).
     *
     * @param status the saved wait status
     * @return the wait status it ended with, taken as its tracer (its parent sees it as a zombie then)
     */
    public int endSeized(int status) throws CheckpointException {
        int signal = status & 0x7f;
        if (signal == 0) {
            blockAll();
            tracee.setRegsSeized(template.forSyscall(scratch + CODE, Syscalls.EXIT_GROUP, (status >> 8) & 0xff));
            tracee.cont(0);
            return tracee.awaitEndSeized();
        }
        put(STRUCT, new byte[32]); // a kernel sigaction of SIG_DFL; also the rlimit {0, 0}
        call(Syscalls.RT_SIGACTION, signal, scratch + STRUCT, 0, 8); // fails harmlessly for SIGKILL and SIGSTOP
        check("prlimit64(RLIMIT_CORE, 0)", Syscalls.PRLIMIT64, 0, Syscalls.RLIMIT_CORE, scratch + STRUCT, 0);
        long self = check("getpid", Syscalls.GETPID);
        check("kill(" + self + ", " + signal + ")", Syscalls.KILL, self, signal);
        tracee.setSigMaskSeized(0); // pending now; delivered as soon as it runs
        tracee.cont(0);
        return tracee.awaitEndSeized();
    }

    /**
     * Unmaps the scratch area and leaves the tracee stopped at that munmap's syscall-exit stop, with
     * {@code finalRegs} and {@code mask} set. From there it can be detached or kept stopped.
     */
    public void finishSeized(X86_64Regs finalRegs, long mask) throws CheckpointException {
        long rc = stepped(scratch + CODE, Syscalls.MUNMAP, scratch, MAPPED_SIZE);
        if (rc != 0) {
            throw new CheckpointException("munmap of the scratch area in process " + tracee.tid() + " failed: "
                    + Errno.name(rc), tracee.tid(), Errno.name(rc), null, null);
        }
        tracee.setRegsSeized(finalRegs.with(X86_64Regs.ORIG_RAX, -1));
        tracee.setSigMaskSeized(mask);
        requeueHeldStop();
    }

    /**
     * Fallback when injection failed midway: sets the registers and mask the tracee should run on, without
     * unmapping the scratch area (it stays as an unused 8 KiB mapping). Best effort; errors are suppressed into
     * nothing because the caller is already reporting a failure.
     *
     * @param finalRegs registers valid at any kind of stop (normalised, orig_rax -1)
     */
    public void abandonSeized(X86_64Regs finalRegs) {
        try {
            tracee.setRegsSeized(finalRegs.with(X86_64Regs.ORIG_RAX, -1));
            tracee.setSigMaskSeized(savedMask);
            requeueHeldStop();
        } catch (CheckpointException e) {
            // the tracee is gone or not stopped: nothing more can be done for it
        }
    }

    /**
     * Waits for the stop an injected call ends in. A SIGSTOP that someone queued for the process (a fabric holding a
     * sender until its refill is sent, to take effect when the process is released) is not ours to deliver now: it
     * is suppressed here and queued again by {@link #finishSeized} / {@link #abandonSeized}.
     */
    private int injectionStop(String what, boolean syscallStep) throws CheckpointException {
        while (true) {
            int s = tracee.waitStop(what);
            boolean groupStop = WaitStatus.event(s) == Ptrace.EVENT_STOP && WaitStatus.stopSignal(s) != LibC.SIGTRAP;
            if (!groupStop && (WaitStatus.event(s) != 0 || WaitStatus.stopSignal(s) != LibC.SIGSTOP)) {
                return s;
            }
            // a group stop (the process was stopped by SIGSTOP/SIGTSTP, or is being) traps again when resumed: not
            // ours to act on now; a stopped process is saved and restored stopped by its thread image
            heldStop = heldStop || !groupStop;
            if (syscallStep) {
                tracee.syscallStep();
            } else {
                tracee.cont(0);
            }
        }
    }

    /**
     * Blocks every signal before the tracee runs injected code: between single calls it holds its own mask (see
     * {@link #call}), and a signal delivered in our code would stop it where no injection expects it.
     */
    private void blockAll() throws CheckpointException {
        tracee.setSigMaskSeized(-1L);
    }

    private void requeueHeldStop() {
        if (heldStop) {
            heldStop = false;
            LibC.INSTANCE.kill(tracee.tid(), LibC.SIGSTOP);
        }
    }

    /** Runs a syscall at {@code insn} by stepping to its entry and exit stops; @return rax at the exit. */
    private long stepped(long insn, int nr, long... args) throws CheckpointException {
        blockAll();
        tracee.setRegsSeized(template.forSyscall(insn, nr, args));
        for (String phase : new String[] { "entry", "exit" }) {
            tracee.syscallStep();
            int s = injectionStop("syscall " + nr + " " + phase, true);
            if (WaitStatus.stopSignal(s) != SYSCALL_STOP) {
                throw new CheckpointException("process " + tracee.tid() + " stopped unexpectedly (" + WaitStatus.describe(s)
                        + ") waiting for the " + phase + " of injected syscall " + nr, tracee.tid(), null, null, null);
            }
        }
        calls++;
        return tracee.getRegsSeized().get(X86_64Regs.RAX);
    }
}
