package io.quiesce.backend.userspace;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.ImageException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.files.Epoll;
import io.quiesce.backend.userspace.files.FileTable;
import io.quiesce.backend.userspace.files.GhostFiles;
import io.quiesce.backend.userspace.files.Relocation;
import io.quiesce.backend.userspace.files.SocketSlots;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ImageIndex;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.ZombieImage;
import io.quiesce.backend.userspace.image.WrittenFileImage;
import io.quiesce.backend.userspace.files.WrittenFiles;
import io.quiesce.backend.userspace.inject.InjectionFacility;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.Tracer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restart of the processes saved in one image folder. The image is read and checked when the session opens, so
 * a corrupt or foreign image fails before any process exists. Every stub is spawned, traced and reaped by the
 * session's {@link Tracer} thread; until {@link #release()} succeeds, {@link #close()} kills them all.
 */
final class UserspaceRestoreSession implements RestoreSession {
    private static final Logger LOG = LoggerFactory.getLogger(UserspaceRestoreSession.class);

    private final Path folder;
    private final RestoreOptions options;
    private final Path proc;
    private final Path stub;
    private final Path init;
    private final boolean pidNamespace;
    private final List<Long> initPids = new ArrayList<>();
    private final List<ProcessImage> images = new ArrayList<>();
    private final List<Path> imageFiles = new ArrayList<>();
    private final Tracer tracer;
    private final FileTable files;
    private final GhostFiles ghosts;
    private final List<ZombieImage> zombies;
    private final io.quiesce.backend.userspace.image.IpcImage ipc;
    private final io.quiesce.backend.userspace.memory.Memfd.Table memfds;
    private final List<WrittenFileImage> written;
    private final List<Integer> spawned = new ArrayList<>();
    private final List<Tracee> restored = new ArrayList<>();
    /** Each restored process's other threads and the group stop it was in, index-aligned with {@link #restored}. */
    private final List<List<Tracee>> restoredThreads = new ArrayList<>();
    private Tracee initTracee;
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean released;

    UserspaceRestoreSession(Path folder, RestoreOptions options, Path proc, Path stub, Path init) throws CheckpointException {
        this.folder = folder;
        this.options = options;
        this.proc = proc;
        this.stub = stub;
        this.init = init;
        checkManifest(manifestOf(folder));
        ImageIndex index = ImageFiles.readIndex(folder);
        files = new FileTable(folder, index.pipesOrEmpty(), folder.resolve(ImageFiles.INDEX));
        files.useTerminals(io.quiesce.backend.userspace.terminals.Terminals.read(folder));
        ghosts = new GhostFiles(folder, index.ghostsOrEmpty(), folder.resolve(ImageFiles.INDEX));
        zombies = index.zombiesOrEmpty();
        ipc = index.ipcOrEmpty();
        memfds = new io.quiesce.backend.userspace.memory.Memfd.Table(proc, folder, ipc.memfds(), folder.resolve(ImageFiles.INDEX));
        files.useMemfds(memfds);
        written = index.written();
        pidNamespace = index.pidNamespace();
        if (options.exactPids() && !pidNamespace) {
            throw new NotSupportedException("backend 'userspace' cannot promise the original PIDs for " + folder + ": the job "
                    + "was not launched in a PID namespace of its own (launch it through the platform); restart without exact PIDs");
        }
        if (index.processes() == null || index.processes().isEmpty()) {
            throw new ImageException("lists no process", folder.resolve(ImageFiles.INDEX));
        }
        for (String name : index.processes()) {
            Path file = folder.resolve(name).normalize();
            if (!file.startsWith(folder.normalize())) {
                throw new ImageException("names a file outside the image folder: " + name, folder.resolve(ImageFiles.INDEX));
            }
            ProcessImage image = ImageFiles.readProcess(file);
            ProcessRestore.checkPages(folder, image, file);
            images.add(image);
            imageFiles.add(file);
        }
        tracer = new Tracer("quiesce-restorer-" + folder.getFileName());
    }

    /** @return the checkpoint's manifest: in the folder for one host's flat image, else in its parent (a host's part) */
    private static Path manifestOf(Path folder) {
        Path here = folder.resolve(ImageFormat.MANIFEST);
        Path parent = folder.toAbsolutePath().getParent();
        return java.nio.file.Files.exists(here, java.nio.file.LinkOption.NOFOLLOW_LINKS) || parent == null ? here
                : parent.resolve(ImageFormat.MANIFEST);
    }

    /** The platform's manifest is checked for magic and version only; its schema belongs to the API. */
    private static void checkManifest(Path manifest) throws ImageException {
        JsonNode m = ImageFiles.readTree(manifest);
        if (!ImageFormat.MAGIC.equals(m.path("magic").asText(null))) {
            throw new ImageException("not a Quiesce checkpoint manifest (magic " + m.path("magic") + ")", manifest);
        }
        int v = m.path("formatVersion").asInt(-1);
        if (!ImageFormat.readable(v)) {
            throw new ImageException("image format version " + v + " is not supported (this platform reads versions "
                    + ImageFormat.readableVersions() + ")", manifest);
        }
        String backend = m.path("backend").asText("");
        if (!backend.isEmpty() && !UserspaceBackend.NAME_VALUE.equals(backend)) {
            throw new ImageException("was written by backend '" + backend + "', not '" + UserspaceBackend.NAME_VALUE + "'", manifest);
        }
    }

    @Override
    public List<FrozenProcess> restore() throws CheckpointException {
        return tracer.call(() -> {
            ProcessRestore restorer = new ProcessRestore(proc, stub, images, warnings, memfds,
                    new io.quiesce.backend.userspace.memory.SysvShm.Table(ipc.sysvShm(), images, warnings, folder.resolve(ImageFiles.INDEX)));
            Relocation relocate = new Relocation() {
                @Override
                public String apply(String p) {
                    return relocate(p);
                }

                @Override
                public String file(String p, long inode) {
                    String ghost = ghosts.pathFor(p, inode);
                    return ghost != null ? ghost : relocate(p);
                }
            };
            RestoreContext ctx = new RestoreContext(folder, relocate, options.stdout(), files, spawned);
            Map<Long, ProcessRestore.Rebuilt> byOldPid = new HashMap<>();
            List<ProcessRestore.Rebuilt> rebuilt = new ArrayList<>();
            int nsStub = 0;
            ProcessRestore.Init pid1 = null;
            try {
                // written files are checked before the temporary folders are prepared, which would put the checkpoint's
                // contents over a changed file; one the image holds and that is gone (its folder was cleared) is
                // simply recreated from the image
                java.util.Set<String> recreated = new java.util.HashSet<>();
                for (io.quiesce.backend.userspace.image.TempFileImage t : ipc.tempFiles()) {
                    if (t.dataFile() != null && !java.nio.file.Files.exists(Path.of(t.path()), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        recreated.add(t.path());
                    }
                }
                WrittenFiles.prepare(written == null ? null : written.stream().filter(w -> !recreated.contains(w.path())).toList(), folder,
                        folder.resolve(ImageFiles.INDEX), this::relocate, options.keepFiles(), warnings);
                // temporary folders before the ghost files: a deleted file may have lived in one; with --files keep, a
                // written file that is still there is the user's to keep, not to be put back
                java.util.Set<String> kept = new java.util.HashSet<>();
                if (options.keepFiles() && written != null) {
                    written.stream().map(WrittenFileImage::path).filter(w -> !recreated.contains(w)).forEach(kept::add);
                }
                io.quiesce.backend.userspace.files.TempFiles.prepare(folder,
                        ipc.tempFiles().stream().filter(t -> !kept.contains(t.path())).toList(), folder.resolve(ImageFiles.INDEX));
                ghosts.prepare(this::relocate, options.jobFolder());
                if (pidNamespace) {
                    ProcessRestore.InitTree t = restorer.startInit(init, options.stdout(), spawned);
                    initPids.add((long) t.outer());
                    initPids.add((long) t.inner());
                    nsStub = t.stub();
                }
                // parents before children: a saved child whose parent is in the job is forked from the rebuilt
                // parent, so it stays that parent's child; the others start from a stub (children of this JVM)
                for (int i : treeOrder()) {
                    ProcessImage image = images.get(i);
                    ProcessRestore.Rebuilt parent = byOldPid.get(image.ppid());
                    if (parent == null && pidNamespace && image.nsPid() != 2) {
                        // adopted by the namespace's init: forked from the new one
                        pid1 = pid1 != null ? pid1 : restorer.seizeInitSeized((int) (long) initPids.get(1));
                        parent = pid1.asParent();
                    }
                    if (parent == null && pidNamespace && nsStub < 0) {
                        throw new NotSupportedException("process " + image.pid() + " of " + folder + " has no parent in the job, "
                                + "but its namespace has only one PID 2 (the job root)");
                    }
                    ProcessRestore.Rebuilt r = parent == null
                            ? restorer.restoreSeized(image, imageFiles.get(i), ctx, pidNamespace ? nsStub : 0)
                            : restorer.forkSeized(parent, image, imageFiles.get(i), ctx, true);
                    if (options.exactPids() && !warnings.isEmpty()) {
                        throw new NotSupportedException("exact PIDs were asked for: " + warnings.get(0));
                    }
                    if (parent == null && pidNamespace) {
                        nsStub = -1; // used: the namespace has one PID 2
                    }
                    byOldPid.put(image.pid(), r);
                    rebuilt.add(r);
                }
                for (ZombieImage z : zombies) {
                    ProcessRestore.Rebuilt parent = byOldPid.get(z.ppid());
                    if (parent == null) {
                        throw new ImageException("zombie " + z.pid() + " has no saved parent (" + z.ppid() + ")",
                                folder.resolve(ImageFiles.INDEX));
                    }
                    restorer.zombieSeized(parent, z, ctx);
                    if (options.exactPids() && !warnings.isEmpty()) {
                        throw new NotSupportedException("exact PIDs were asked for: " + warnings.get(0));
                    }
                }
                Map<Long, io.quiesce.backend.userspace.inject.SyscallInjector> injectors = new java.util.LinkedHashMap<>();
                rebuilt.forEach(r -> injectors.put(r.image.pid(), r.inj));
                files.terminals().finishSeized(injectors, files); // process groups, terminals' foreground groups
                // a process may take descriptors from any process rebuilt before it, so parked pipe ends are closed
                // only once every process has its descriptors
                for (ProcessRestore.Rebuilt r : rebuilt) {
                    restorer.completeSeized(r, ctx);
                }
                if (pid1 != null) {
                    restorer.finishInitSeized(pid1);
                    initTracee = pid1.asParent().tracee;
                }
            } catch (CheckpointException | RuntimeException e) {
                rebuilt.forEach(ProcessRestore.Rebuilt::close);
                if (pid1 != null) {
                    pid1.asParent().close();
                }
                killAll(); // nothing half-restored may run
                throw e;
            } finally {
                ghosts.removeAll(); // every process has opened or mapped its deleted files, or none will
            }
            List<FrozenProcess> out = new ArrayList<>();
            for (ProcessImage image : images) {
                Tracee t = byOldPid.get(image.pid()).tracee;
                restored.add(t);
                restoredThreads.add(List.copyOf(byOldPid.get(image.pid()).threads));
                out.add(new Frozen(t.tid(), image.pid(), new InjectionFacility(tracer, t, proc)));
                if (pidNamespace) {
                    long now = ProcessRestore.nsPidOf(proc, t.tid());
                    if (now != image.nsPid()) {
                        warnings.add("process " + image.nsPid() + " of the job's namespace runs on as PID " + now + " there");
                    }
                } else if (t.tid() != image.pid()) {
                    warnings.add("process " + image.pid() + " runs on as PID " + t.tid());
                }
            }
            return out;
        });
    }

    /** @return image indexes with every parent before its children, roots in index order */
    private List<Integer> treeOrder() {
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            index.put(images.get(i).pid(), i);
        }
        List<Integer> order = new ArrayList<>();
        java.util.Set<Integer> placed = new java.util.HashSet<>();
        for (int i = 0; i < images.size(); i++) {
            place(i, index, order, placed, 0);
        }
        return order;
    }

    private void place(int i, Map<Long, Integer> index, List<Integer> order, java.util.Set<Integer> placed, int depth) {
        if (placed.contains(i) || depth > images.size()) {
            return;
        }
        Integer parent = index.get(images.get(i).ppid());
        if (parent != null && parent != i) {
            place(parent, index, order, placed, depth + 1);
        }
        if (placed.add(i)) {
            order.add(i);
        }
    }

    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    private String relocate(String path) {
        for (Map.Entry<String, String> r : options.relocations().entrySet()) {
            if (path.startsWith(r.getKey())) {
                return r.getValue() + path.substring(r.getKey().length());
            }
        }
        return path;
    }

    @Override
    public List<Long> release() throws CheckpointException {
        return tracer.call(() -> {
            if (restored.size() != images.size()) {
                throw new CheckpointException("release before every process of " + folder + " was restored");
            }
            List<SocketSlots.Slot> sockets = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                Tracee t = restored.get(i);
                List<FdImage> saved = images.get(i).fds().stream().filter(f -> FdImage.SOCKET.equals(f.kind())).toList();
                if (!saved.isEmpty()) {
                    long nsPid = ProcessRestore.nsPidOf(proc, t.tid());
                    saved.forEach(f -> sockets.add(new SocketSlots.Slot(t, nsPid, f)));
                }
            }
            SocketSlots.completeSeized(proc, sockets);
            // epoll registrations last: a socket they watch is back only now
            List<Epoll.Holder> epolls = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                epolls.add(new Epoll.Holder(restored.get(i), images.get(i).fds()));
            }
            Epoll.restoreTargetsSeized(proc, epolls);
            List<Long> pids = new ArrayList<>(initPids); // the outer init is this JVM's child: the root
            if (initTracee != null) {
                initTracee.detachSeized();
            }
            // a process saved group-stopped is stopped again: the signal is queued while it is held, taken at detach
            for (int i = 0; i < restored.size(); i++) {
                int stop = images.get(i).threads().get(0).stopSignal();
                if (stop != 0) {
                    LibC.INSTANCE.kill(restored.get(i).tid(), stop);
                }
            }
            // every thread of every process is let go together, none before all are ready
            for (int i = 0; i < restored.size(); i++) {
                Tracee t = restored.get(i);
                t.detachSeized();
                for (Tracee thread : restoredThreads.get(i)) {
                    thread.detachSeized();
                }
                pids.add((long) t.tid());
            }
            released = true;
            return pids;
        });
    }

    private void killAll() {
        ProcessRestore.killAndReap(spawned);
        spawned.clear();
        restored.clear();
        restoredThreads.clear();
    }

    @Override
    public void close() {
        try {
            tracer.call(() -> {
                if (!released) {
                    killAll();
                }
                return null;
            });
        } catch (CheckpointException | RuntimeException e) {
            LOG.error("restore of {}: cleanup failed: {}", folder, e.getMessage());
        } finally {
            tracer.close();
        }
    }
}
