package io.quiesce.backend.userspace;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.files.FileRestore;
import io.quiesce.backend.userspace.files.FileTable;
import io.quiesce.backend.userspace.image.MmImage;
import io.quiesce.backend.userspace.image.PageRun;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.image.ZombieImage;
import io.quiesce.backend.userspace.inject.ScratchArea;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.seize.WaitStatus;
import io.quiesce.backend.userspace.linux.PrctlMmMap;
import io.quiesce.api.LaunchSpec;
import io.quiesce.process.Spawner;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.memory.MemoryRestore;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.memory.SharedMemory;
import io.quiesce.backend.userspace.memory.Memfd;
import io.quiesce.backend.userspace.memory.SysvShm;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.proc.ProcMaps;
import io.quiesce.backend.userspace.proc.ProcStatus;
import io.quiesce.backend.userspace.proc.Vma;
import io.quiesce.backend.userspace.registers.RestartRules;
import io.quiesce.backend.userspace.registers.ThreadRestore;
import io.quiesce.backend.userspace.registers.ThreadState;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.signals.PendingSignals;
import io.quiesce.backend.userspace.signals.SignalRestore;
import io.quiesce.backend.userspace.limits.ResourceLimits;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restore orchestration: rebuilds one saved process inside a fresh stub, by syscall injection, in the order
 * the prototype proved (facts, "Restore: order that worked"). The stub is left stopped at a syscall-exit stop
 * with the saved registers, ready to be detached.
 */
final class ProcessRestore {
    private static final Path DEV_NULL = Path.of("/dev/null");
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRestore.class);
    private static final long STUB_START_TIMEOUT_MS = 5000;
    private static final long PID_FREE_TIMEOUT_MS = 2000;
    private static final long EEXIST = 17;

    private final Path proc;
    private final Path stub;
    private final List<List<Vma>> jobLayouts;
    private final List<String> warnings;
    private final SharedMemory.Table shmem;
    private final Memfd.Table memfds;
    private final SysvShm.Table sysv;

    /**
     * @param images   every saved process of the job: the scratch area is placed where none of them has a mapping,
     *                 so that children forked with it inherited can be rebuilt around it
     * @param warnings where what could not be restored exactly is reported (the restore goes on)
     * @param memfds   the job's saved memfds
     * @param sysv     the job's SysV segments
     */
    ProcessRestore(Path proc, Path stub, List<ProcessImage> images, List<String> warnings, Memfd.Table memfds, SysvShm.Table sysv) {
        this.memfds = memfds;
        this.sysv = sysv;
        this.proc = proc;
        this.stub = stub;
        this.warnings = warnings;
        List<List<Vma>> l = new ArrayList<>();
        for (ProcessImage image : images) {
            List<Vma> saved = new ArrayList<>();
            for (VmaImage v : image.vmas()) {
                saved.add(new Vma(v.start(), v.end(), v.perms(), v.offset(), "", v.inode(), v.path()));
            }
            l.add(saved);
        }
        this.jobLayouts = List.copyOf(l);
        this.shmem = new SharedMemory.Table(images);
    }

    /**
     * Checks what can be checked without a process: the pages file's size and every run's bounds.
     *
     * @throws ImageException naming the file when it is short or a run lies outside it
     */
    static void checkPages(Path folder, ProcessImage image, Path imageFile) throws ImageException {
        Path pages = folder.resolve(image.pagesFile());
        long size = io.quiesce.api.image.SecureFiles.regular(pages).size();
        if (size != image.pagesBytes()) {
            throw new ImageException("truncated or altered: " + size + " bytes, " + imageFile.getFileName() + " says "
                    + image.pagesBytes(), pages);
        }
        for (VmaImage v : image.vmas()) {
            for (PageRun r : v.runs()) {
                if (r.fileOffset() < 0 || r.length() < 0 || r.fileOffset() + r.length() > size || r.address() < v.start()
                        || r.address() + r.length() > v.end()) {
                    throw new ImageException(String.format("run of 0x%x (%d bytes at offset %d) lies outside the file or its mapping",
                            r.address(), r.length(), r.fileOffset()), imageFile);
                }
            }
        }
        if (image.threads() == null || image.threads().isEmpty()) {
            throw new ImageException("no thread saved", imageFile);
        }
    }

    /**
     * A process rebuilt but for its last steps, kept stopped with its injector, so that later processes of the job
     * can still take descriptors it holds or has parked.
     */
    static final class Rebuilt implements AutoCloseable {
        final ProcessImage image;
        final Tracee tracee;
        final SyscallInjector inj;
        final ProcessMemory memory;
        final long t0;
        final long pagesBytes;
        final long pagesMs;
        /** The threads other than the leader, made by {@link #completeSeized}. */
        final List<Tracee> threads = new ArrayList<>();

        private Rebuilt(ProcessImage image, Tracee tracee, SyscallInjector inj, ProcessMemory memory, long t0, long pagesBytes,
                long pagesMs) {
            this.image = image;
            this.tracee = tracee;
            this.inj = inj;
            this.memory = memory;
            this.t0 = t0;
            this.pagesBytes = pagesBytes;
            this.pagesMs = pagesMs;
        }

        @Override
        public void close() {
            memory.close();
        }
    }

    /**
     * Spawns the stub (returned through {@code spawned} at once, so the caller can kill it on failure) and rebuilds
     * the process in it up to {@link #completeSeized}: memory, mm, descriptors (through {@code files}), cwd, umask,
     * name and sigactions.
     */
    Rebuilt restoreSeized(ProcessImage image, Path imageFile, RestoreContext ctx, int existingStub) throws CheckpointException {
        long t0 = System.nanoTime();
        int pid = existingStub;
        if (pid <= 0) {
            // argv and comm of the stub do not matter: PR_SET_MM_MAP and PR_SET_NAME put the saved ones back
            pid = (int) Spawner.spawn(new LaunchSpec(List.of(stub.toString()), Map.of(), Path.of("/"), DEV_NULL, DEV_NULL));
            ctx.spawned().add(pid);
        }
        awaitPause(pid);
        Tracee t = new Tracee(pid);
        t.seizeAndInterrupt();
        t.awaitInterruptStop();
        List<Vma> stubVmas = readMaps(pid, "the restore stub");
        List<Integer> stubFds = readFds(pid, "the restore stub");
        List<List<Vma>> layouts = new ArrayList<>(jobLayouts);
        layouts.add(stubVmas);
        ProcessMemory memory = new ProcessMemory(proc, pid);
        try {
            SyscallInjector inj = SyscallInjector.bootstrapSeized(t, memory, SyscallInjector.chooseScratch(layouts));
            return rebuildSeized(inj, memory, stubVmas, stubFds, image, imageFile, ctx, t0);
        } catch (CheckpointException | RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /** The processes of a fresh job namespace: the outer init (this JVM's child), PID 1 and the empty PID 2. */
    record InitTree(int outer, int inner, int stub) {
    }

    /**
     * Starts {@code quiesce-init restore}: a new PID namespace (and user namespace when unprivileged) whose PID 2
     * waits in pause(2) to be rebuilt as the saved job root. Every PID is added to {@code spawned} as soon as known.
     *
     * @param init   the init executable
     * @param stdout where the inits' own output goes (the job's descriptors come from the image)
     */
    InitTree startInit(Path init, Path stdout, List<Integer> spawned) throws CheckpointException {
        Path out = stdout == null ? DEV_NULL : stdout;
        int outer = (int) Spawner.spawn(new LaunchSpec(List.of(init.toString(), "restore"), Map.of(), Path.of("/"), DEV_NULL, out));
        spawned.add(outer);
        int inner = onlyChild(outer, "quiesce-init (outer)");
        spawned.add(inner);
        int stubPid = onlyChild(inner, "quiesce-init (PID 1)");
        spawned.add(stubPid);
        return new InitTree(outer, inner, stubPid);
    }

    private int onlyChild(int pid, String what) throws CheckpointException {
        long deadline = System.currentTimeMillis() + STUB_START_TIMEOUT_MS;
        Path children = proc.resolve(pid + "/task/" + pid + "/children");
        while (true) {
            try {
                String c = Files.readString(children).trim();
                if (!c.isEmpty()) {
                    return Integer.parseInt(c.split(" ")[0]);
                }
            } catch (IOException e) {
                throw new CheckpointException(what + " (PID " + pid + ") ended before starting its child: " + e.getMessage(), pid,
                        "ESRCH", null, e);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new CheckpointException(what + " (PID " + pid + ") started no child within " + STUB_START_TIMEOUT_MS + " ms",
                        pid, null, null, null);
            }
            sleep(1);
        }
    }

    /** The namespace's PID 1, seized as the parent of the processes it had adopted, and the registers it resumes with. */
    record Init(Rebuilt asParent, X86_64Regs resume) {
    }

    /**
     * Seizes a fresh namespace's PID 1 so that the processes it had adopted (orphans of the job) are forked from it
     * and are its children again: quiesce-init waits in waitpid(-1), which reaps any child, not only PID 2.
     */
    Init seizeInitSeized(int inner) throws CheckpointException {
        Tracee t = new Tracee(inner);
        t.seizeAndInterrupt();
        t.awaitInterruptStop();
        X86_64Regs resume = RestartRules.forResume(t.getRegsSeized());
        List<List<Vma>> layouts = new ArrayList<>(jobLayouts);
        layouts.add(readMaps(inner, "the namespace's PID 1"));
        ProcessMemory memory = new ProcessMemory(proc, inner);
        try {
            SyscallInjector inj = SyscallInjector.bootstrapSeized(t, memory, SyscallInjector.chooseScratch(layouts));
            return new Init(new Rebuilt(null, t, inj, memory, System.nanoTime(), 0, 0), resume);
        } catch (CheckpointException | RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /** Unmaps PID 1's scratch area and leaves it stopped where it was, to be detached with the job. */
    void finishInitSeized(Init init) throws CheckpointException {
        try (Rebuilt r = init.asParent()) {
            r.inj.finishSeized(init.resume(), r.inj.savedMask());
        }
    }

    /** @return the PID {@code pid} sees as its own (its PID in its innermost namespace) */
    static long nsPidOf(Path proc, long pid) throws CheckpointException {
        try {
            return ProcStatus.read(proc, pid).nsPid();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot read /proc/" + pid + "/status: " + e.getMessage(), pid, null, null, e);
        }
    }

    /**
     * Creates a saved child of an already rebuilt process by forking that process (so the child is its child, and
     * its waitpid reaches it), then rebuilds the child inside the copy as {@link #restoreSeized} does in a stub.
     *
     * @param parent   the rebuilt parent, not yet completed
     * @param exactPid true to ask for the saved PID (clone3 set_tid); when refused, the child gets any PID and
     *                 {@code warnings} says so
     */
    Rebuilt forkSeized(Rebuilt parent, ProcessImage image, Path imageFile, RestoreContext ctx, boolean exactPid)
            throws CheckpointException {
        long t0 = System.nanoTime();
        Tracee t = forkChildSeized(parent, image.pid(), image.nsPid(), "process", ctx.spawned(), exactPid);
        long pid = t.tid();
        long scratch = parent.inj.scratch();
        List<Vma> inherited = readMaps(pid, "the forked child").stream()
                .filter(v -> v.start() != scratch).toList();
        List<Integer> inheritedFds = readFds(pid, "the forked child");
        ProcessMemory memory = new ProcessMemory(proc, pid);
        try {
            SyscallInjector inj = SyscallInjector.adoptSeized(t, memory, scratch);
            return rebuildSeized(inj, memory, inherited, inheritedFds, image, imageFile, ctx, t0);
        } catch (CheckpointException | RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /**
     * Forks a rebuilt parent for one of its saved children, asking for the saved PID when {@code exactPid}.
     *
     * @param what "process" or "zombie", for the messages
     * @return the child, in its first stop (the scratch area inherited, rip inside it)
     */
    private Tracee forkChildSeized(Rebuilt parent, long savedPid, long nsPid, String what, List<Integer> spawned,
            boolean exactPid) throws CheckpointException {
        long wanted = nsPid > 0 ? nsPid : savedPid;
        long pid = exactPid ? parent.inj.forkSeized(wanted) : -1;
        // EEXIST: the saved process may still be a zombie that its new parent (init or a subreaper) has not reaped yet
        for (long deadline = System.currentTimeMillis() + PID_FREE_TIMEOUT_MS; pid == -EEXIST
                && System.currentTimeMillis() < deadline;) {
            sleep(5);
            pid = parent.inj.forkSeized(wanted);
        }
        if (pid < 0) {
            if (exactPid) {
                warnings.add(String.format("%s %d could not get its PID %d back (clone3 set_tid: %s); it has a new PID", what,
                        savedPid, wanted, Errno.name(pid)));
            }
            pid = parent.inj.forkSeized(0);
        }
        if (pid < 0) {
            throw new CheckpointException("fork of process " + parent.tracee.tid() + " for its child " + savedPid + " failed: "
                    + Errno.name(pid), parent.tracee.tid(), Errno.name(pid), null, null);
        }
        spawned.add((int) pid);
        Tracee t = new Tracee((int) pid);
        int s = t.waitStop("its first stop after the injected fork");
        if (WaitStatus.event(s) != Ptrace.EVENT_STOP) {
            throw new CheckpointException("forked child " + pid + " first stopped with " + WaitStatus.describe(s), pid, null, null,
                    null);
        }
        return t;
    }

    /**
     * Recreates a zombie: forks its rebuilt parent (still stopped, so nothing runs meanwhile) and ends the copy with
     * the saved status, taken here as its tracer; the parent then holds it as an unreaped child, and its SIGCHLD is
     * pending until the parent runs. Call once every process is rebuilt, before {@link #completeSeized}.
     */
    void zombieSeized(Rebuilt parent, ZombieImage z, RestoreContext ctx) throws CheckpointException {
        Tracee t = forkChildSeized(parent, z.pid(), z.nsPid(), "zombie", ctx.spawned(), true);
        int status;
        try (ProcessMemory memory = new ProcessMemory(proc, t.tid())) {
            status = SyscallInjector.adoptSeized(t, memory, parent.inj.scratch()).endSeized(z.status());
        }
        if ((status & 0xff7f) != (z.status() & 0xff7f)) { // the core-dump flag (0x80) cannot be had back
            throw new CheckpointException(String.format("zombie %d recreated as %d ended with %s, not %s", z.pid(), t.tid(),
                    WaitStatus.describe(status), WaitStatus.describe(z.status())), t.tid(), null, null, null);
        }
        LOG.info("zombie {} (child of {}) recreated as {}: {}", z.pid(), z.ppid(), t.tid(), WaitStatus.describe(status));
    }

    private static void sleep(long ms) throws CheckpointException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while restoring", e);
        }
    }

    private List<Vma> readMaps(long pid, String what) throws CheckpointException {
        try {
            return ProcMaps.read(proc, pid);
        } catch (IOException e) {
            throw new CheckpointException("cannot read /proc/" + pid + "/maps of " + what + ": " + e.getMessage(), pid, null, null, e);
        }
    }

    private List<Integer> readFds(long pid, String what) throws CheckpointException {
        try (Stream<Path> s = Files.list(proc.resolve(pid + "/fd"))) {
            return s.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException("cannot list /proc/" + pid + "/fd of " + what + ": " + e.getMessage(), pid, null, null, e);
        }
    }

    /** Replaces what a stub or a forked copy holds (mappings {@code old}, descriptors {@code oldFds}) with the image. */
    private Rebuilt rebuildSeized(SyscallInjector inj, ProcessMemory memory, List<Vma> old, List<Integer> oldFds, ProcessImage image,
            Path imageFile, RestoreContext ctx, long t0) throws CheckpointException {
        io.quiesce.backend.userspace.files.Relocation relocate = ctx.relocate();
        long pid = inj.tracee().tid();
        long nsPid = nsPidOf(proc, pid);
        MemoryRestore memoryRestore = new MemoryRestore(pid, nsPid, imageFile, shmem, memfds, sysv);
        memoryRestore.checkSpecials(old, image.vmas());
        Path pagesFile = ctx.folder().resolve(image.pagesFile());
        try (FileChannel pages = io.quiesce.api.image.SecureFiles.openRegular(pagesFile)) {
            ThreadState.unregisterRseqSeized(inj);
            FileRestore fileRestore = new FileRestore(pid, nsPid, warnings).savedPid(image.pid());
            fileRestore.closeAllSeized(inj, oldFds);
            int parkBase = image.fds().stream().mapToInt(FdImage::fd).max().orElse(2) + 1;
            memoryRestore.prepareSeized(inj, old, image.vmas(), relocate, parkBase);
            long tPages = System.nanoTime();
            long bytes = memoryRestore.writePagesSeized(memory, pages, pagesFile, image.vmas());
            memoryRestore.protectSeized(inj, image.vmas());
            long pagesMs = (System.nanoTime() - tPages) / 1_000_000;
            restoreMmSeized(inj, image, pid, relocate);
            fileRestore.restoreSeized(inj, image.fds(), relocate, ctx.fallbackOut(), ctx.files());
            warnings.addAll(fileRestore.fallbacks());
            inj.check("chdir " + image.cwd(), Syscalls.CHDIR, inj.putPath(relocate.apply(image.cwd())));
            inj.check("umask", Syscalls.UMASK, image.umask());
            inj.check("prctl(PR_SET_NAME)", Syscalls.PRCTL, Syscalls.PR_SET_NAME, inj.putPath(image.comm()));
            SignalRestore.restoreSeized(inj, image.sigactions());
            ctx.files().terminals().sessionSeized(inj, image.pid(), pid, nsPid, image.fds(), ctx.files()); // before its children are forked
            return new Rebuilt(image, inj.tracee(), inj, memory, t0, bytes, pagesMs);
        } catch (IOException e) {
            throw new ImageException("cannot open: " + e.getMessage(), pagesFile);
        }
    }

    /**
     * The last steps, once every process of the job has its descriptors: closes parked pipe ends, restores the
     * thread's kernel state and leaves the process stopped at a syscall-exit stop with its saved registers.
     */
    void completeSeized(Rebuilt r, RestoreContext ctx) throws CheckpointException {
        try (r) {
            int pid = r.tracee.tid();
            new FileRestore(pid, 0).closeParkedSeized(r.inj, ctx.files());
            shmem.closeParkedSeized(r.inj, pid);
            memfds.finishSeized(r.inj, pid);
            sysv.finishSeized(r.inj, pid);
            ThreadImage thread = r.image.threads().get(0);
            ThreadState.restoreKernelStateSeized(r.inj, r.memory, thread, pid);
            List<ThreadImage> others = r.image.threads().subList(1, r.image.threads().size());
            long tThreads = System.nanoTime();
            r.threads.addAll(ThreadRestore.createSeized(r.inj, r.memory, r.image, others, ctx.spawned()));
            long threadsMs = (System.nanoTime() - tThreads) / 1_000_000;
            ResourceLimits.restoreSeized(r.inj, r.image.pid(), r.image.rlimits(), warnings);
            // last: the injector blocks every signal, so what is queued now waits for the final mask
            PendingSignals.restoreSeized(r.inj, r.image.pendingSignals());
            ThreadState.finishSeized(r.inj, thread);
            LOG.info("process {} restored as {}: {} threads in {} ms, {} bytes of pages in {} ms, {} injected syscalls, {} ms in all",
                    r.image.pid(), pid, 1 + r.threads.size(), threadsMs, r.pagesBytes, r.pagesMs, r.inj.calls(), (System.nanoTime() - r.t0) / 1_000_000);
        }
    }

    /**
     * Restores the mm bookkeeping and, where the kernel allows it, /proc/PID/exe: PR_SET_MM_MAP with an exe_fd
     * needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over the process's user namespace (root, or a job in a user
     * namespace of its own, whose rebuilt processes hold every capability there). Otherwise the exe stays the
     * stub's (or the forked parent's) and a warning names both paths.
     */
    private void restoreMmSeized(SyscallInjector inj, ProcessImage image, long pid, UnaryOperator<String> relocate)
            throws CheckpointException {
        String exe = image.exe() == null ? null : relocate.apply(image.exe());
        String now;
        try {
            now = Files.readSymbolicLink(proc.resolve(pid + "/exe")).toString();
        } catch (IOException e) {
            throw new CheckpointException("cannot read /proc/" + pid + "/exe: " + e.getMessage(), pid, null, null, e);
        }
        try (ScratchArea.Frame f = inj.area().frame()) {
            restoreMmSeized(inj, f, image, pid, exe, now);
        }
    }

    private void restoreMmSeized(SyscallInjector inj, ScratchArea.Frame f, ProcessImage image, long pid, String exe, String now)
            throws CheckpointException {
        if (exe != null && !exe.equals(now)) {
            long fd = inj.call(Syscalls.OPEN, f.putString(exe), LibC.O_RDONLY | LibC.O_CLOEXEC);
            String why;
            if (fd >= 0) {
                long rc = inj.call(Syscalls.PRCTL, Syscalls.PR_SET_MM, Syscalls.PR_SET_MM_MAP, putMmMap(f, image.mm(), (int) fd),
                        PrctlMmMap.SIZE, 0);
                inj.check("close of " + exe, Syscalls.CLOSE, fd);
                if (rc == 0) {
                    return;
                }
                why = "PR_SET_MM_MAP with its exe_fd: " + Errno.name(rc);
            } else {
                why = "open: " + Errno.name(fd);
            }
            warnings.add(String.format("process %d: /proc/PID/exe could not be set back to %s (%s); it shows %s", image.pid(),
                    exe, why, now));
        }
        inj.check("prctl(PR_SET_MM, PR_SET_MM_MAP)", Syscalls.PRCTL, Syscalls.PR_SET_MM, Syscalls.PR_SET_MM_MAP,
                putMmMap(f, image.mm(), -1), PrctlMmMap.SIZE, 0);
    }

    /** Writes the auxv and a prctl_mm_map pointing at it into the scratch area; @return the structure's address */
    private static long putMmMap(ScratchArea.Frame f, MmImage mm, int exeFd) throws CheckpointException {
        PrctlMmMap m = new PrctlMmMap();
        m.startCode = mm.startCode();
        m.endCode = mm.endCode();
        m.startData = mm.startData();
        m.endData = mm.endData();
        m.startBrk = mm.startBrk();
        m.brk = mm.brk();
        m.startStack = mm.startStack();
        m.argStart = mm.argStart();
        m.argEnd = mm.argEnd();
        m.envStart = mm.envStart();
        m.envEnd = mm.envEnd();
        m.auxv = f.put(mm.auxv());
        m.auxvSize = mm.auxv().length;
        m.exeFd = exeFd;
        return f.put(m.bytes());
    }

    /** Waits until the stub sits in pause(2), so it is seized in a known place. */
    private void awaitPause(int pid) throws CheckpointException {
        long deadline = System.currentTimeMillis() + STUB_START_TIMEOUT_MS;
        Path syscall = proc.resolve(pid + "/syscall");
        while (true) {
            try {
                if (Files.readString(syscall).startsWith(Syscalls.PAUSE + " ")) {
                    return;
                }
            } catch (IOException e) {
                // not readable while the exec is in progress: retry
            }
            if (System.currentTimeMillis() > deadline) {
                throw new CheckpointException("restore stub " + stub + " (PID " + pid + ") did not reach pause() within "
                        + STUB_START_TIMEOUT_MS + " ms", pid, null, stub, null);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CheckpointException("interrupted while starting the restore stub", e);
            }
        }
    }

    /**
     * Kills processes and reaps those that are this JVM's children or tracees, the last spawned first: a
     * namespace's PID 1 ends only once every traced process of its namespace has been reaped here, and the outer
     * init only after PID 1.
     */
    static void killAndReap(List<Integer> pids) {
        for (int pid : pids) {
            LibC.INSTANCE.kill(pid, LibC.SIGKILL);
        }
        for (int i = pids.size() - 1; i >= 0; i--) {
            int pid = pids.get(i);
            int[] st = new int[1];
            while (LibC.INSTANCE.waitpid(pid, st, LibC.WALL) == pid && (st[0] & 0xff) == 0x7f) {
                // a stop reported before the kill took effect: wait on for the exit
            }
        }
    }
}
