package io.quiesce.backend.userspace;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.files.Epoll;
import io.quiesce.backend.userspace.files.FileDump;
import io.quiesce.backend.userspace.files.FileSharing;
import io.quiesce.backend.userspace.files.GhostFiles;
import io.quiesce.backend.userspace.files.TempFiles;
import io.quiesce.backend.userspace.image.IpcImage;
import io.quiesce.backend.userspace.image.MemfdImage;
import io.quiesce.backend.userspace.image.TempFileImage;
import io.quiesce.backend.userspace.memory.Memfd;
import io.quiesce.backend.userspace.memory.SysvShm;
import io.quiesce.backend.userspace.image.GhostImage;
import io.quiesce.backend.userspace.image.ZombieImage;
import java.util.HashSet;
import java.util.Set;
import io.quiesce.backend.userspace.image.PipeImage;
import io.quiesce.backend.userspace.pipes.PipeContents;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.MmImage;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.SigactionImage;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.memory.MemoryDump;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.memory.SharedMemory;
import io.quiesce.backend.userspace.proc.ProcMaps;
import io.quiesce.backend.userspace.proc.ProcStat;
import io.quiesce.backend.userspace.proc.ProcStatus;
import io.quiesce.backend.userspace.proc.Vma;
import io.quiesce.backend.userspace.registers.RestartRules;
import io.quiesce.backend.userspace.registers.ThreadState;
import io.quiesce.backend.userspace.registers.ThreadDump;
import io.quiesce.backend.userspace.seize.TracedProcess;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.signals.PendingSignals;
import io.quiesce.backend.userspace.signals.SignalDump;
import io.quiesce.backend.userspace.limits.ResourceLimits;
import io.quiesce.backend.userspace.image.PendingSignalImage;
import io.quiesce.backend.userspace.image.RlimitImage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dump orchestration: saves one frozen process (every thread) into {@code process-PID.json} and
 * {@code pages-PID.img}. Order matters: everything /proc and ptrace tell is read first; then a short injection
 * reads what only the process can tell and leaves the process stopped with registers it can resume from; the
 * memory copy comes last, with the scratch area already gone.
 */
final class ProcessDump {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessDump.class);

    /** What was written for one process. */
    record Written(List<String> files, long bytes, long millis, ProcessImage image, java.util.Map<String, String> digests) {
    }

    /**
     * Which of the job's processes are saved. A job launched under quiesce-init is three levels: the outer init
     * (the platform's root, outside the namespace), the namespace's PID 1 and the job from PID 2 down; the two
     * inits are ours and are made afresh at restart, so only the processes inside are saved, with their PIDs there.
     *
     * @param pidNamespace true for a job under quiesce-init
     * @param saved        the processes to save, root first, parents before children
     * @param nsPids       their PIDs in the job's namespace (0 without one)
     */
    record Layout(boolean pidNamespace, List<Long> saved, Map<Long, Long> nsPids) {
    }

    /**
     * @param pids the job's processes, root first
     * @throws CheckpointException for a job under quiesce-init whose PID 2 is gone
     */
    Layout layoutOf(List<Long> pids) throws CheckpointException {
        Map<Long, long[]> ns = new LinkedHashMap<>();
        Map<Long, Long> ppids = new LinkedHashMap<>();
        for (long pid : pids) {
            try {
                ns.put(pid, ProcStatus.read(proc, pid).nsPids());
                ppids.put(pid, ProcStat.read(proc, pid).ppid());
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException("process " + pid + " is gone or unreadable: " + e.getMessage(), pid, "ESRCH", null, e);
            }
        }
        long root = pids.get(0);
        int depth = ns.get(root).length;
        Long inner = null;
        for (long pid : pids) {
            long[] n = ns.get(pid);
            if (n.length == depth + 1 && n[depth] == 1 && ppids.get(pid) == root) {
                inner = pid;
            }
        }
        if (inner == null) {
            Map<Long, Long> none = new LinkedHashMap<>();
            pids.forEach(p -> none.put(p, 0L));
            return new Layout(false, pids, none);
        }
        List<Long> saved = new ArrayList<>();
        Map<Long, Long> nsPids = new LinkedHashMap<>();
        for (long pid : pids) {
            if (pid == root || pid == inner) {
                continue;
            }
            long[] n = ns.get(pid);
            long nsPid = n[n.length - 1];
            // a process whose parent is PID 1 but which is not PID 2 was adopted by the init: the restore forks it
            // from the new PID 1, whose parent is not saved either
            saved.add(pid);
            nsPids.put(pid, nsPid);
        }
        if (saved.isEmpty()) {
            throw new CheckpointException("the job's command (PID 2 of its namespace) has ended; only its init is left");
        }
        return new Layout(true, saved, nsPids);
    }

    /**
     * The saved processes' children that have ended but that their parent has not reaped yet. A zombie cannot be
     * traced, so it is not frozen nor saved as a process: the restore forks it again from its parent and makes it
     * end with the same status. Children that still run but are not in the job's list are left out, as before.
     */
    List<ZombieImage> zombiesOf(Layout layout) throws CheckpointException {
        List<ZombieImage> zombies = new ArrayList<>();
        for (long pid : layout.saved()) {
            Path children = proc.resolve(pid + "/task/" + pid + "/children");
            try {
                String text = Files.readString(children).trim();
                for (String c : text.isEmpty() ? new String[0] : text.split(" ")) {
                    long child = Long.parseLong(c);
                    ProcStat stat = layout.saved().contains(child) ? null : ProcStat.read(proc, child);
                    if (stat == null || stat.state() != 'Z') {
                        continue;
                    }
                    long[] n = ProcStatus.read(proc, child).nsPids();
                    zombies.add(new ZombieImage(child, layout.pidNamespace() ? n[n.length - 1] : 0, pid, stat.exitCode()));
                    LOG.info("process {}: its child {} ended with {} and is not reaped yet: saved as a zombie", pid, child,
                            io.quiesce.backend.userspace.seize.WaitStatus.describe(stat.exitCode()));
                }
            } catch (IOException | RuntimeException e) {
                // the parent is frozen, so its children stay as they are: an error here is not a race
                throw new CheckpointException("cannot read the children of process " + pid + ": " + e.getMessage(), pid, null,
                        children, e);
            }
        }
        return zombies;
    }

    /** The descriptors of every process of the job, and its pipes with their saved contents. */
    record JobFiles(Map<Long, List<FdImage>> fds, List<PipeImage> pipes, List<GhostImage> ghosts, List<String> files, long bytes) {
    }

    private final Path proc;
    private final SharedMemory.Dump shared = new SharedMemory.Dump();
    private final Set<Long> ghostInodes = new HashSet<>();
    private final List<String> warnings = new ArrayList<>();
    private final Set<Long> memfdInodes = new HashSet<>();
    private final SysvShm.Dump sysv;
    private final List<MemfdImage> memfds = new ArrayList<>();
    private final List<TempFileImage> tempFiles = new ArrayList<>();

    ProcessDump(Path proc) {
        this.proc = proc;
        this.sysv = new SysvShm.Dump(proc);
    }

    /**
     * @return the job's memfds, SysV segments and temporary files, once every process is dumped
     * @throws io.quiesce.api.NotSupportedException for a SysV segment the job shares with processes outside it
     */
    IpcImage ipc() throws CheckpointException {
        return new IpcImage(memfds, sysv.finish(), tempFiles);
    }

    /** @return what the user should know about state a restart of this checkpoint loses */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * Saves what the job's processes share before any of them is dumped: descriptors numbered by open file
     * description across the job (each epoll registration given to the process that re-adds it), each pipe's
     * bytes in flight ({@code pipe-INODE.img}, copied without being consumed), and the contents of each file
     * deleted while open ({@code ghost-INODE.img}).
     *
     * @param pids   the frozen processes, root first
     * @param folder the staging folder
     * @throws io.quiesce.api.NotSupportedException naming PID and fd for a descriptor this version cannot restore
     */
    JobFiles dumpJobFilesSeized(List<Long> pids, Path folder) throws CheckpointException {
        Map<Long, List<FdImage>> raw = new LinkedHashMap<>();
        FileDump fileDump = new FileDump(proc);
        for (long pid : pids) {
            raw.put(pid, fileDump.dump(pid));
        }
        FileSharing.Result shared = FileSharing.assign(raw);
        warnings.addAll(fileDump.warnings());
        Map<Long, List<FdImage>> numbered = Epoll.assign(shared.fds());
        List<PipeImage> pipes = new ArrayList<>();
        List<String> files = new ArrayList<>();
        long bytes = 0;
        for (FileSharing.Pipe p : shared.pipes()) {
            PipeContents.Saved saved = p.readable() ? PipeContents.dump(p.holderPid(), p.holderFd())
                    : PipeContents.dumpCapacity(p.holderPid(), p.holderFd());
            String name = (p.fifo() ? "fifo-" : "pipe-") + p.inode() + ".img";
            Path file = folder.resolve(name);
            try (FileChannel out = ImageFiles.create(file)) {
                out.write(ByteBuffer.wrap(saved.bytes()));
            } catch (IOException e) {
                throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), p.holderPid(), null, file, e);
            }
            pipes.add(new PipeImage(p.inode(), p.readShare(), p.writeShare(), saved.capacity(), name, saved.bytes().length, p.fifo()));
            files.add(name);
            bytes += saved.bytes().length;
            LOG.info((p.fifo() ? "fifo " : "pipe:") + "[{}] saved: {} bytes in flight (capacity {})", p.inode(), saved.bytes().length, saved.capacity());
        }
        io.quiesce.backend.userspace.terminals.Terminals.Dumped terminals =
                io.quiesce.backend.userspace.terminals.Terminals.dumpSeized(proc, pids, numbered, folder);
        files.addAll(terminals.files());
        bytes += terminals.bytes();
        List<GhostImage> ghosts = GhostFiles.dump(proc, numbered, folder);
        for (GhostImage g : ghosts) {
            ghostInodes.add(g.inode());
            files.add(g.dataFile());
            bytes += g.bytes();
        }
        for (MemfdImage m : Memfd.dump(proc, numbered, folder)) {
            memfds.add(m);
            memfdInodes.add(m.inode());
            files.add(m.dataFile());
            bytes += m.size();
        }
        for (TempFileImage t : TempFiles.dump(proc, pids, numbered, folder)) {
            tempFiles.add(t);
            if (t.dataFile() != null) {
                files.add(t.dataFile());
                bytes += t.size();
            }
        }
        return new JobFiles(numbered, pipes, ghosts, files, bytes);
    }

    /**
     * @param t      the process's (only) thread, in the freeze's stop
     * @param fds    its descriptors, from {@link #dumpJobFilesSeized}
     * @param nsPid  its PID in the job's namespace, 0 without one
     * @param folder the staging folder
     * @return the files written; on return the process is stopped at a syscall-exit stop with resumable registers
     */
    Written dumpSeized(TracedProcess p, List<FdImage> fds, long nsPid, Path folder) throws CheckpointException {
        long t0 = System.nanoTime();
        Tracee t = p.leader();
        long pid = t.tid();
        ThreadImage thread = ThreadState.collectSeized(proc, pid, t, false, p.groupStopSignal());
        List<ThreadImage> others = ThreadDump.collectOthersSeized(proc, p);
        // before the injection below, whose own SIGTRAPs must not be mistaken for the process's signals
        List<PendingSignalImage> pending = PendingSignals.dumpSeized(t, pid);
        List<RlimitImage> rlimits = ResourceLimits.dump(pid);
        ProcStat stat;
        int umask;
        List<Vma> vmas;
        String cwd;
        String exe;
        List<String> argv;
        byte[] auxv;
        String comm;
        try {
            stat = ProcStat.read(proc, pid);
            umask = ProcStatus.read(proc, pid).umask();
            vmas = ProcMaps.read(proc, pid);
            cwd = Files.readSymbolicLink(proc.resolve(pid + "/cwd")).toString();
            exe = Files.readSymbolicLink(proc.resolve(pid + "/exe")).toString();
            String cmdline = Files.readString(proc.resolve(pid + "/cmdline"), StandardCharsets.UTF_8);
            argv = Arrays.asList(cmdline.split("\0"));
            auxv = Files.readAllBytes(proc.resolve(pid + "/auxv"));
            comm = Files.readString(proc.resolve(pid + "/comm")).strip();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot read /proc/" + pid + ": " + e, pid, null, null, e);
        }
        MemoryDump memoryDump = new MemoryDump(proc, pid, ghostInodes, memfdInodes);
        memoryDump.checkSupported(vmas);
        long tInject = System.nanoTime();
        List<SigactionImage> sigactions;
        long brk;
        Map<Long, byte[]> resident;
        try (ProcessMemory memory = new ProcessMemory(proc, pid)) {
            SyscallInjector inj = SyscallInjector.bootstrapSeized(t, memory, SyscallInjector.chooseScratch(List.of(vmas)));
            // Registers valid at any kind of stop: the process resumes from them whatever happens below.
            X86_64Regs resumeRegs = RestartRules.forResume(new X86_64Regs(thread.regs()));
            try {
                sigactions = SignalDump.dumpSeized(inj);
                brk = inj.check("brk(0)", Syscalls.BRK, 0);
                thread = ThreadState.collectInjectedSeized(inj, thread);
                others = ThreadDump.injectOthersSeized(inj, memory, p, others);
                resident = SharedMemory.residentSeized(inj, vmas, memoryDump::paged);
                sysv.collectSeized(inj, pid, vmas);
                inj.finishSeized(resumeRegs, thread.sigmask());
            } catch (CheckpointException | RuntimeException e) {
                inj.abandonSeized(resumeRegs);
                throw e;
            }
            long tPages = System.nanoTime();
            int injected = inj.calls();
            MmImage mm = new MmImage(stat.startCode(), stat.endCode(), stat.startData(), stat.endData(), stat.startBrk(), brk,
                    stat.startStack(), stat.argStart(), stat.argEnd(), stat.envStart(), stat.envEnd(), auxv);
            String pagesName = "pages-" + pid + ".img";
            String jsonName = "process-" + pid + ".json";
            Path pagesFile = folder.resolve(pagesName);
            List<VmaImage> vmaImages;
            long pagesBytes;
            try (FileChannel out = ImageFiles.create(pagesFile)) {
                vmaImages = memoryDump.dumpSeized(vmas, memory, out, shared, resident);
                pagesBytes = out.position();
            } catch (IOException e) {
                throw new CheckpointException("cannot write " + pagesFile + ": " + e.getMessage(), pid, null, pagesFile, e);
            }
            ProcessImage image = new ProcessImage(ImageFiles.PROCESS_MAGIC, ImageFiles.VERSION, pid, stat.ppid(), comm, argv,
                    exe, cwd, umask, ThreadDump.all(thread, others), mm, vmaImages, pagesName, pagesBytes, fds, sigactions, nsPid, pending, rlimits);
            long jsonBytes;
            try {
                jsonBytes = ImageFiles.writeJson(folder.resolve(jsonName), image);
            } catch (IOException e) {
                throw new CheckpointException("cannot write " + folder.resolve(jsonName) + ": " + e.getMessage(), pid, null,
                        folder.resolve(jsonName), e);
            }
            long end = System.nanoTime();
            long ms = (end - t0) / 1_000_000;
            LOG.info("process {} saved: {} pages ({} skipped), {} mappings, {} fds in {} ms (ptrace+/proc {} ms, {} injected syscalls "
                    + "{} ms, page copy {} ms), {} threads", pid, memoryDump.pagesSaved(), memoryDump.pagesSkipped(),
                    vmaImages.size(), fds.size(), ms, (tInject - t0) / 1_000_000, injected, (tPages - tInject) / 1_000_000,
                    (end - tPages) / 1_000_000, 1 + others.size());
            return new Written(List.of(jsonName, pagesName), pagesBytes + jsonBytes, ms, image,
                    java.util.Map.of(pagesName, memoryDump.pagesDigest()));
        }
    }
}
