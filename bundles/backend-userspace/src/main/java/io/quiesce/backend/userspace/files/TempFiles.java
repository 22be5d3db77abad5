package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.TempFileImage;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.proc.ProcMaps;
import io.quiesce.backend.userspace.proc.ProcNetUnix;
import io.quiesce.backend.userspace.proc.Vma;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files the job holds in temporary folders, which may be cleared before a restart (an MPI session folder
 * {@code /tmp/ompi.HOST.UID/...}, pmix dstore segments, lock files, POSIX shared memory in {@code /dev/shm}).
 *
 * <p>Temporary folders (the roots): {@code /tmp}, {@code /var/tmp}, {@code /dev/shm}, {@code /run/user/UID} (UID of
 * the platform) and the platform's {@code $TMPDIR} when it is an absolute folder other than {@code /}. Saved: every
 * regular file or FIFO under a root that a descriptor of the job opens or a mapping maps (shared or private), with its
 * mode, and a regular file's contents ({@code temp-N.img}) and mtime; and every folder between the root and it, with
 * its mode; and the folders of the paths the job's Unix sockets are bound to (a fabric binds the saved path again,
 * so only its folder is made here). Files deleted while open are {@link GhostFiles}' business, sockets the fabrics'.
 *
 * <p>Restore, before any process is rebuilt: missing folders are made with their saved modes, missing FIFOs with
 * mkfifo and theirs, missing files written from the image. A file that still exists is left as it is when its size
 * and mtime are the saved ones; when it changed and the job maps it or reads it, it is rewritten with the saved
 * contents (and mtime), so the job gets its view of the checkpoint; a file the job only writes (a log) keeps what
 * was written after. A file larger than {@link #MAX_BYTES} is not copied: it must be there, unchanged, at restart. Every saved path is checked first (absolute, normalised, under its root; under a root that is not
 * a temporary folder here nothing is written, the file is then reopened by path like any other) and every existing component is checked with lstat: a symbolic link, or a file of another kind where a
 * folder, file or FIFO belongs, fails the restore naming the path; nothing is written outside the path's root.
 */
public final class TempFiles {
    /**
     * System property naming the temporary folders instead of the defaults, separated by {@code :} (absolute paths;
     * empty: none), e.g. for a site's node-local scratch folder. Read at every dump and restore.
     */
    public static final String PROPERTY = "quiesce.userspace.tempFolders";
    /** A saved file larger than this is refused at checkpoint (it is copied into the image). */
    public static final long MAX_BYTES = 1L << 30;
    private static final Logger LOG = LoggerFactory.getLogger(TempFiles.class);

    private TempFiles() {
    }

    /** @return the temporary folders of this platform, as defined above (or by {@link #PROPERTY}) */
    public static List<Path> roots() {
        String set = System.getProperty(PROPERTY);
        if (set != null) {
            return java.util.Arrays.stream(set.split(":")).filter(r -> r.startsWith("/")).map(r -> Path.of(r).normalize())
                    .filter(r -> r.getNameCount() > 0).toList();
        }
        List<Path> roots = new ArrayList<>(List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/dev/shm")));
        try {
            roots.add(Path.of("/run/user", Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString()));
        } catch (IOException | RuntimeException e) {
            // no /proc/self owner: no per-user runtime folder
        }
        String tmpdir = System.getenv("TMPDIR");
        if (tmpdir != null && tmpdir.startsWith("/") && !Path.of(tmpdir).normalize().equals(Path.of("/"))) {
            roots.add(Path.of(tmpdir).normalize());
        }
        return roots;
    }

    /** @return the root {@code p} lies strictly under, or null */
    static Path rootOf(Path p, List<Path> roots) {
        if (!p.isAbsolute() || !p.equals(p.normalize())) {
            return null;
        }
        return roots.stream().filter(r -> p.startsWith(r) && !p.equals(r)).findFirst().orElse(null);
    }

    /**
     * Saves the job's files in temporary folders.
     *
     * @param pids   the frozen processes
     * @param fds    their descriptors
     * @param folder the staging folder
     * @throws CheckpointException naming the file when one cannot be read or is larger than {@link #MAX_BYTES}
     */
    public static List<TempFileImage> dump(Path proc, List<Long> pids, Map<Long, List<FdImage>> fds, Path folder)
            throws CheckpointException {
        List<Path> roots = roots();
        Map<Path, Long> wanted = new LinkedHashMap<>(); // path -> a PID using it, for messages
        Set<Path> readBack = new java.util.HashSet<>();
        Map<Path, Long> socketFolders = new LinkedHashMap<>();
        for (long pid : pids) {
            socketFoldersOf(proc, pid, fds.getOrDefault(pid, List.of()), socketFolders);
            for (FdImage f : fds.getOrDefault(pid, List.of())) {
                if ((FdImage.REGULAR.equals(f.kind()) && !GhostFiles.deleted(f)) || FdImage.FIFO.equals(f.kind())) {
                    wanted.putIfAbsent(Path.of(f.path()), pid);
                    if (f.readable()) {
                        readBack.add(Path.of(f.path()));
                    }
                }
            }
            try {
                for (Vma v : ProcMaps.read(proc, pid)) {
                    if (v.fileBacked()) {
                        wanted.putIfAbsent(Path.of(v.path()), pid);
                        readBack.add(Path.of(v.path()));
                    }
                }
            } catch (IOException e) {
                throw new CheckpointException("cannot read /proc/" + pid + "/maps: " + e.getMessage(), pid, null, null, e);
            }
        }
        Map<Path, TempFileImage> out = new LinkedHashMap<>();
        for (Map.Entry<Path, Long> e : socketFolders.entrySet()) {
            Path root = rootOf(e.getKey(), roots);
            if (root != null) {
                try {
                    folders(root, e.getKey().resolve("socket"), out);
                } catch (IOException x) {
                    throw new CheckpointException(String.format("cannot save folder %s of a socket of process %d: %s", e.getKey(),
                            e.getValue(), x.getMessage()), e.getValue(), null, e.getKey(), x);
                }
            }
        }
        for (Map.Entry<Path, Long> e : wanted.entrySet()) {
            Path p = e.getKey();
            Path root = rootOf(p, roots);
            if (root == null || out.containsKey(p)) {
                continue;
            }
            long pid = e.getValue();
            try {
                folders(root, p, out);
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile()) {
                    long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                    String data = null;
                    long n = a.size();
                    if (a.size() > MAX_BYTES) {
                        LOG.warn("process {} uses {} in temporary folder {}: {} bytes, more than the {} saved with the image; a "
                                + "restart needs it there, unchanged", pid, p, root, a.size(), MAX_BYTES);
                    } else {
                        data = "temp-" + out.size() + ".img";
                        n = copy(p, folder.resolve(data), a.size());
                    }
                    out.put(p, new TempFileImage(TempFileImage.REGULAR, p.toString(), root.toString(), mode(a), n, mtime, data,
                            readBack.contains(p)));
                } else if (a.isOther() && isFifo(p)) {
                    out.put(p, new TempFileImage(TempFileImage.FIFO, p.toString(), root.toString(), mode(a), 0, 0, null, false));
                }
            } catch (IOException x) {
                throw new CheckpointException(String.format("cannot save %s (used by process %d, in temporary folder %s): %s", p, pid,
                        root, x.getMessage()), pid, null, p, x);
            }
        }
        out.values().stream().filter(t -> !TempFileImage.DIRECTORY.equals(t.kind()))
                .forEach(t -> LOG.info("temporary {} {} saved ({} bytes)", t.kind(), t.path(), t.size()));
        return new ArrayList<>(out.values());
    }

    /** Adds every folder between {@code root} and {@code p} (both excluded) that {@code out} lacks. */
    private static void folders(Path root, Path p, Map<Path, TempFileImage> out) throws IOException {
        for (Path d = root.resolve(root.relativize(p).getName(0)); !d.equals(p); d = d.resolve(p.getName(d.getNameCount()))) {
            if (!out.containsKey(d)) {
                PosixFileAttributes a = Files.readAttributes(d, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isDirectory()) {
                    throw new IOException(d + " is not a folder");
                }
                out.put(d, new TempFileImage(TempFileImage.DIRECTORY, d.toString(), root.toString(), mode(a), 0, 0, null, false));
            }
        }
    }

    /**
     * The folders of the paths the process's Unix sockets are bound to: a fabric binds the saved path again at
     * restart and needs its folder (the socket file itself is the fabric's to make).
     */
    private static void socketFoldersOf(Path proc, long pid, List<FdImage> fds, Map<Path, Long> out) throws CheckpointException {
        if (fds.stream().noneMatch(f -> FdImage.SOCKET.equals(f.kind()))) {
            return;
        }
        Map<Long, String> bound;
        try {
            bound = ProcNetUnix.paths(proc, pid);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot read /proc/" + pid + "/net/unix: " + e.getMessage(), pid, null, null, e);
        }
        for (FdImage f : fds) {
            String path = FdImage.SOCKET.equals(f.kind()) ? bound.get(f.inode()) : null;
            if (path != null && Path.of(path).getParent() != null) {
                out.putIfAbsent(Path.of(path).normalize().getParent(), pid);
            }
        }
    }

    private static boolean isFifo(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0010000;
    }

    private static long copy(Path from, Path to, long size) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                FileChannel out = ImageFiles.create(to)) {
            long n = 0;
            for (long got; n < size && (got = in.transferTo(n, size - n, out)) > 0;) {
                n += got;
            }
            return n; // the file is frozen with its users; a shorter read means it was truncated by someone else
        }
    }

    /**
     * Recreates what is missing and puts back the saved contents of what changed.
     *
     * @param folder    the image folder
     * @param indexFile the index, for messages
     * @throws CheckpointException naming the path when it fails a check or cannot be made
     */
    public static void prepare(Path folder, List<TempFileImage> files, Path indexFile) throws CheckpointException {
        List<Path> roots = roots();
        for (TempFileImage t : files) {
            Path p = t.path() == null ? null : Path.of(t.path());
            if (p == null || !p.isAbsolute() || !p.equals(p.normalize()) || t.root() == null || !p.startsWith(t.root())) {
                throw new ImageException("names a temporary file that is not an absolute, normalised path in its folder: "
                        + t.path() + " (" + t.root() + ")", indexFile);
            }
            Path root = rootOf(p, roots);
            if (root == null || !root.toString().equals(t.root())) {
                // nothing is written outside a temporary folder: the processes open it by path as any other file
                LOG.warn("{} was saved in temporary folder {}, which is not one here ({}): not recreated", p, t.root(), roots);
                continue;
            }
            try {
                requireRealFolders(root, p);
                switch (t.kind()) {
                    case TempFileImage.DIRECTORY -> prepareFolder(p, t.mode());
                    case TempFileImage.FIFO -> prepareFifo(p, t.mode());
                    case TempFileImage.REGULAR -> prepareFile(folder, p, t, indexFile);
                    default -> throw new ImageException("names " + t.path() + " of unknown kind " + t.kind(), indexFile);
                }
            } catch (IOException e) {
                throw new CheckpointException("cannot recreate " + p + " (saved with the image, in temporary folder " + root + "): "
                        + e.getMessage(), -1, null, p, e);
            }
        }
    }

    /** Checks that the root and every existing folder between it and {@code p} is a folder, not a link. */
    private static void requireRealFolders(Path root, Path p) throws IOException {
        for (Path d = root; !d.equals(p); d = d.resolve(p.getName(d.getNameCount()))) {
            if (Files.exists(d, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(d + " is not a folder (a symbolic link is not followed)");
            }
        }
    }

    private static void prepareFolder(Path p, int mode) throws IOException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("exists and is not a folder");
            }
            return;
        }
        Files.createDirectory(p);
        Files.setPosixFilePermissions(p, GhostFiles.permissions(mode));
        LOG.info("temporary folder {} recreated (mode {})", p, Integer.toOctalString(mode));
    }

    private static void prepareFifo(Path p, int mode) throws IOException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!isFifo(p)) {
                throw new IOException("exists and is not a FIFO");
            }
            return;
        }
        if (LibC.INSTANCE.mkfifo(p.toString(), mode & 0777) != 0) {
            throw new IOException("mkfifo: " + Errno.name(com.sun.jna.Native.getLastError()));
        }
        Files.setPosixFilePermissions(p, GhostFiles.permissions(mode));
        LOG.info("temporary FIFO {} recreated (mode {})", p, Integer.toOctalString(mode));
    }

    private static void prepareFile(Path folder, Path p, TempFileImage t, Path indexFile) throws IOException, ImageException {
        boolean exists = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributes a = exists ? Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS) : null;
        if (a != null && !a.isRegularFile()) {
            throw new IOException("exists and is not a regular file (a symbolic link is not followed)");
        }
        boolean unchanged = a != null && a.size() == t.size() && a.lastModifiedTime().equals(FileTime.from(t.mtime(), TimeUnit.NANOSECONDS));
        if (t.dataFile() == null) {
            if (!unchanged) {
                throw new IOException("it was too large to be saved with the image (" + t.size() + " bytes) and is "
                        + (a == null ? "missing" : "changed") + " now");
            }
            return;
        }
        if (unchanged || a != null && !t.rewrite()) {
            return; // as it was at the checkpoint, or only written by the job (a log keeps what came after)
        }
        Path data = folder.resolve(t.dataFile()).normalize();
        if (!data.startsWith(folder.normalize()) || data.equals(folder.normalize())) {
            throw new ImageException("names a file outside the image folder for " + t.path() + ": " + t.dataFile(), indexFile);
        }
        if (Files.size(data) != t.size()) {
            throw new ImageException("holds " + Files.size(data) + " bytes; " + t.path() + " had " + t.size(), data);
        }
        Set<StandardOpenOption> how = exists ? EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                : EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        try (FileChannel in = FileChannel.open(data, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(p, withNoFollow(how))) {
            for (long n = 0, got; n < t.size(); n += got) {
                got = out.transferFrom(in, n, t.size() - n);
                if (got <= 0) {
                    throw new IOException("short read of " + data + " at " + n);
                }
            }
        }
        Files.setPosixFilePermissions(p, GhostFiles.permissions(t.mode()));
        Files.setLastModifiedTime(p, FileTime.from(t.mtime(), TimeUnit.NANOSECONDS));
        LOG.info("temporary file {} {} from the image ({} bytes)", p, exists ? "rewritten" : "recreated", t.size());
    }

    private static Set<java.nio.file.OpenOption> withNoFollow(Set<StandardOpenOption> how) {
        Set<java.nio.file.OpenOption> s = new java.util.HashSet<>(how);
        s.add(LinkOption.NOFOLLOW_LINKS);
        return s;
    }

    private static int mode(PosixFileAttributes a) {
        int m = 0;
        PosixFilePermission[] bits = PosixFilePermission.values();
        for (int i = 0; i < 9; i++) {
            if (a.permissions().contains(bits[i])) {
                m |= 0400 >> i;
            }
        }
        return m;
    }

}
