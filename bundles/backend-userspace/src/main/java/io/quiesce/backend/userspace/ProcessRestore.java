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
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.PrctlMmMap;
import io.quiesce.api.LaunchSpec;
import io.quiesce.process.Spawner;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.memory.MemoryRestore;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.proc.ProcMaps;
import io.quiesce.backend.userspace.proc.Vma;
import io.quiesce.backend.userspace.registers.ThreadState;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.signals.SignalRestore;
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

    private final Path proc;
    private final Path stub;

    ProcessRestore(Path proc, Path stub) {
        this.proc = proc;
        this.stub = stub;
    }

    /**
     * Checks what can be checked without a process: the pages file's size and every run's bounds.
     *
     * @throws ImageException naming the file when it is short or a run lies outside it
     */
    static void checkPages(Path folder, ProcessImage image, Path imageFile) throws ImageException {
        Path pages = folder.resolve(image.pagesFile());
        long size;
        try {
            size = Files.size(pages);
        } catch (IOException e) {
            throw new ImageException("missing or unreadable (" + e.getMessage() + ")", pages);
        }
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
        if (image.threads().size() != 1) {
            throw new ImageException(image.threads().size() + " threads saved; this version restores single-threaded processes only",
                    imageFile);
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
    Rebuilt restoreSeized(ProcessImage image, Path folder, Path imageFile, UnaryOperator<String> relocate, Path fallbackOut,
            FileTable files, List<Integer> spawned) throws CheckpointException {
        long t0 = System.nanoTime();
        // argv and comm of the stub do not matter: PR_SET_MM_MAP and PR_SET_NAME put the saved ones back
        int pid = (int) Spawner.spawn(new LaunchSpec(List.of(stub.toString()), Map.of(), Path.of("/"), DEV_NULL, DEV_NULL));
        spawned.add(pid);
        awaitPause(pid);
        Tracee t = new Tracee(pid);
        t.seizeAndInterrupt();
        t.awaitInterruptStop();
        List<Vma> stubVmas;
        List<Integer> stubFds;
        try (Stream<Path> s = Files.list(proc.resolve(pid + "/fd"))) {
            stubVmas = ProcMaps.read(proc, pid);
            stubFds = s.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException("cannot read /proc/" + pid + " of the restore stub: " + e.getMessage(), pid, null, null, e);
        }
        MemoryRestore memoryRestore = new MemoryRestore(pid, imageFile);
        memoryRestore.checkSpecials(stubVmas, image.vmas());
        List<Vma> saved = new ArrayList<>();
        for (VmaImage v : image.vmas()) {
            saved.add(new Vma(v.start(), v.end(), v.perms(), v.offset(), "", v.inode(), v.path()));
        }
        Path pagesFile = folder.resolve(image.pagesFile());
        ProcessMemory memory = new ProcessMemory(proc, pid);
        try (FileChannel pages = FileChannel.open(pagesFile, StandardOpenOption.READ)) {
            SyscallInjector inj = SyscallInjector.bootstrapSeized(t, memory, SyscallInjector.chooseScratch(List.of(stubVmas, saved)));
            ThreadState.unregisterRseqSeized(inj);
            FileRestore fileRestore = new FileRestore(pid);
            fileRestore.closeAllSeized(inj, stubFds);
            memoryRestore.prepareSeized(inj, stubVmas, image.vmas(), relocate);
            long tPages = System.nanoTime();
            long bytes = memoryRestore.writePagesSeized(memory, pages, pagesFile, image.vmas());
            long pagesMs = (System.nanoTime() - tPages) / 1_000_000;
            setMmMap(inj, image.mm(), pid);
            fileRestore.restoreSeized(inj, image.fds(), relocate, fallbackOut, files);
            inj.check("chdir " + image.cwd(), Syscalls.CHDIR, inj.putPath(relocate.apply(image.cwd())));
            inj.check("umask", Syscalls.UMASK, image.umask());
            inj.check("prctl(PR_SET_NAME)", Syscalls.PRCTL, Syscalls.PR_SET_NAME, inj.putPath(image.comm()));
            SignalRestore.restoreSeized(inj, image.sigactions());
            return new Rebuilt(image, t, inj, memory, t0, bytes, pagesMs);
        } catch (IOException e) {
            memory.close();
            throw new ImageException("cannot open: " + e.getMessage(), pagesFile);
        } catch (CheckpointException | RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /**
     * The last steps, once every process of the job has its descriptors: closes parked pipe ends, restores the
     * thread's kernel state and leaves the process stopped at a syscall-exit stop with its saved registers.
     */
    void completeSeized(Rebuilt r, FileTable files) throws CheckpointException {
        try (r) {
            int pid = r.tracee.tid();
            new FileRestore(pid).closeParkedSeized(r.inj, files);
            ThreadImage thread = r.image.threads().get(0);
            ThreadState.restoreKernelStateSeized(r.inj, r.memory, thread, pid);
            ThreadState.finishSeized(r.inj, thread);
            LOG.info("process {} restored as {}: {} bytes of pages in {} ms, {} injected syscalls, {} ms in all", r.image.pid(),
                    pid, r.pagesBytes, r.pagesMs, r.inj.calls(), (System.nanoTime() - r.t0) / 1_000_000);
        }
    }

    private static void setMmMap(SyscallInjector inj, MmImage mm, long pid) throws CheckpointException {
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
        byte[] struct0 = m.bytes();
        int auxvAt = SyscallInjector.MM_MAP + struct0.length;
        if (auxvAt + mm.auxv().length > SyscallInjector.PATH) {
            throw new CheckpointException("auxv of " + mm.auxv().length + " bytes does not fit the scratch area", pid, null, null, null);
        }
        m.auxv = inj.scratch() + auxvAt;
        m.auxvSize = mm.auxv().length;
        m.exeFd = -1;
        byte[] struct = m.bytes();
        inj.put(SyscallInjector.MM_MAP, struct);
        inj.put(auxvAt, mm.auxv());
        inj.check("prctl(PR_SET_MM, PR_SET_MM_MAP)", Syscalls.PRCTL, Syscalls.PR_SET_MM, Syscalls.PR_SET_MM_MAP,
                inj.scratch() + SyscallInjector.MM_MAP, struct.length, 0);
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

    /** Kills a process and reaps it (it is a child of this JVM, traced or not). */
    static void killAndReap(int pid) {
        LibC.INSTANCE.kill(pid, LibC.SIGKILL);
        int[] st = new int[1];
        while (LibC.INSTANCE.waitpid(pid, st, LibC.WALL) == pid && (st[0] & 0xff) == 0x7f) {
            // a stop reported before the kill took effect: wait on for the exit
        }
    }
}
