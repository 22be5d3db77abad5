package io.quiesce.backend.userspace.files;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.InotifyImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import com.sun.jna.Pointer;
import io.quiesce.backend.userspace.linux.FileHandle;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.pipes.PipeContents;
import io.quiesce.backend.userspace.proc.FdInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * inotify(7): the watches (fdinfo {@code inotify wd: ino: sdev: mask:}), re-added by path at restore.
 *
 * <p>fdinfo names a watched inode, not a path. The path is searched among the places the process names: its
 * working directory, its arguments, the paths of its descriptors, their parent directories and the entries of those
 * directories; failing that, where the tracer has CAP_DAC_READ_SEARCH (root), the watch's file handle is opened
 * with open_by_handle_at and the kernel's path for it taken. A path counts only when it is the very inode now (same
 * device and inode number). A watch with no such path is refused naming process, descriptor, watch and inode.
 *
 * <p>Watch descriptors are numbers the application keeps. A new instance hands them out from 1 upwards without
 * reuse, so the watches are re-added in order and a gap (a watch removed before the checkpoint) is skipped by
 * adding and removing a watch on an inode no saved watch names (its IN_IGNORED event is read away before the
 * process runs); a watch that comes back with another number fails the restore. Events queued but not yet read at
 * the checkpoint are lost: the checkpoint and the restart warn with their size.
 */
final class Inotify {
    private static final int IN_ATTRIB = 0x4;
    private static final int MAX_DIR_ENTRIES = 4096;
    private static final List<String> SPARE = List.of("/", "/dev", "/proc", "/tmp", "/etc", "/usr");

    private Inotify() {
    }

    /**
     * @param candidates paths the process names (cwd, arguments, descriptor paths), absolute
     * @param warnings   where unread events are reported
     */
    static InotifyImage dump(Path proc, long pid, int fd, FdInfo info, List<String> candidates, List<String> warnings)
            throws CheckpointException {
        List<InotifyImage.Watch> watches = new ArrayList<>();
        List<FdInfo.InotifyEntry> entries = new ArrayList<>(info.inotifyEntries());
        entries.sort(Comparator.comparingInt(FdInfo.InotifyEntry::wd));
        for (FdInfo.InotifyEntry e : entries) {
            String path = find(e.sdev(), e.inode(), candidates);
            if (path == null) {
                path = byHandle(proc, e, candidates);
            }
            if (path == null) {
                throw new NotSupportedException(String.format("process %d fd %d (inotify): watch %d on inode %d of device %d:%d: no path "
                        + "to it was found among the process's working directory, arguments and open files (and their "
                        + "directories), nor through its file handle (open_by_handle_at needs CAP_DAC_READ_SEARCH), so it "
                        + "cannot be re-added", pid, fd, e.wd(), e.inode(), e.sdev() >>> 20, e.sdev() & 0xfffff));
            }
            watches.add(new InotifyImage.Watch(e.wd(), path, e.inode(), e.sdev(), e.mask()));
        }
        int unread = unreadBytes(pid, fd);
        if (unread > 0) {
            warnings.add(String.format("process %d fd %d (inotify): %d bytes of events not yet read are not saved; they are lost at a "
                    + "restart", pid, fd, unread));
        }
        return new InotifyImage(watches, unread);
    }

    private static int unreadBytes(long pid, int fd) throws CheckpointException {
        int mine = PipeContents.take(pid, fd);
        try {
            Memory n = LibC.buffer(4);
            if (LibC.INSTANCE.syscall(Syscalls.IOCTL, mine, Syscalls.FIONREAD, com.sun.jna.Pointer.nativeValue(n)) < 0) {
                String errno = Errno.name(Native.getLastError());
                throw new CheckpointException(String.format("ioctl(FIONREAD) of process %d fd %d (inotify) failed: %s", pid, fd, errno),
                        pid, errno, null, null);
            }
            return n.getInt(0);
        } finally {
            LibC.INSTANCE.close(mine);
        }
    }

    /** @return the first candidate (or a parent, or an entry of one) that is inode {@code ino} of {@code sdev}, or null */
    static String find(long sdev, long ino, List<String> candidates) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String c : candidates) {
            Path p = Path.of(c);
            if (is(p, sdev, ino)) {
                return p.toString();
            }
            for (Path d = Files.isDirectory(p) ? p : p.getParent(); d != null; d = d.getParent()) {
                if (is(d, sdev, ino)) {
                    return d.toString();
                }
                dirs.add(d);
            }
        }
        for (Path d : dirs) {
            int n = 0;
            try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
                for (Path e : s) {
                    if (++n > MAX_DIR_ENTRIES) {
                        break;
                    }
                    if (is(e, sdev, ino)) {
                        return e.toString();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // unreadable directory: not a candidate
            }
        }
        return null;
    }

    /**
     * Where the tracer may (CAP_DAC_READ_SEARCH, e.g. root): opens the watch's file handle with open_by_handle_at(2),
     * relative to a candidate on the same filesystem, and reads the path the kernel gives the result.
     *
     * @return that path when it is the watched inode now, else null
     */
    private static String byHandle(Path proc, FdInfo.InotifyEntry e, List<String> candidates) {
        if (e.handle().length == 0 || e.handle().length > FileHandle.MAX) {
            return null;
        }
        for (String c : candidates) {
            // a directory as the mount: opening anything else (a device, a FIFO) from the tracer could have effects
            Path d = Files.isDirectory(Path.of(c)) ? Path.of(c) : Path.of(c).getParent();
            if (d == null || !sameDevice(d, e.sdev())) {
                continue;
            }
            Memory name = new Memory(d.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1L);
            name.setString(0, d.toString(), "UTF-8");
            // not O_PATH: open_by_handle_at does not take an O_PATH descriptor as its mount (EBADF)
            long mount = LibC.INSTANCE.syscall(Syscalls.OPEN, Pointer.nativeValue(name), LibC.O_RDONLY | Syscalls.O_DIRECTORY
                    | LibC.O_CLOEXEC, 0);
            if (mount < 0) {
                continue;
            }
            try {
                FileHandle h = new FileHandle(e.handleType(), e.handle());
                long fd = LibC.INSTANCE.syscall(Syscalls.OPEN_BY_HANDLE_AT, mount, Pointer.nativeValue(h.getPointer()),
                        Syscalls.O_PATH | LibC.O_CLOEXEC);
                if (fd < 0) {
                    continue; // EPERM without the capability
                }
                try {
                    // the kernel's path is relative to the mount's root: it counts only if it is the inode from here
                    String path = Files.readSymbolicLink(proc.resolve("self/fd/" + fd)).toString();
                    if (path.startsWith("/") && is(Path.of(path), e.sdev(), e.inode())) {
                        return path;
                    }
                } catch (IOException | RuntimeException x) {
                    // not readable: try the next mount
                } finally {
                    LibC.INSTANCE.close((int) fd);
                }
            } finally {
                LibC.INSTANCE.close((int) mount);
            }
        }
        return null;
    }

    /** @return true when {@code p} is inode {@code ino} of the device the kernel numbers {@code sdev} (major &lt;&lt; 20 | minor) */
    private static boolean is(Path p, long sdev, long ino) {
        try {
            return (Long) Files.getAttribute(p, "unix:ino") == ino && sameDevice(p, sdev);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return true when {@code p} is on the device the kernel numbers {@code sdev} (stat's st_dev is encoded otherwise) */
    private static boolean sameDevice(Path p, long sdev) {
        try {
            long dev = (Long) Files.getAttribute(p, "unix:dev");
            long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
            long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
            return (major << 20 | minor) == sdev;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return the new inotify instance's descriptor in the process, with every watch at its saved number */
    static long createSeized(SyscallInjector inj, long pid, FdImage f, UnaryOperator<String> relocate, List<String> warnings)
            throws CheckpointException {
        InotifyImage in = (InotifyImage) f.object();
        // non-blocking while being filled, so reading a gap's IN_IGNORED cannot block; the caller sets the saved flags
        long fd = inj.check("inotify_init1 for fd " + f.fd(), Syscalls.INOTIFY_INIT1, LibC.O_NONBLOCK);
        int next = 1;
        for (InotifyImage.Watch w : in.watches()) {
            while (next < w.wd()) {
                skipSeized(inj, pid, f, fd, next++, in);
            }
            String path = relocate.apply(w.path());
            long wd = inj.call(Syscalls.INOTIFY_ADD_WATCH, fd, inj.putPath(path), w.mask());
            if (wd != w.wd()) {
                throw new CheckpointException(String.format("process %d fd %d (inotify): watch %d on %s came back as %s", pid, f.fd(), w.wd(),
                        path, wd < 0 ? Errno.name(wd) : "watch " + wd), pid, wd < 0 ? Errno.name(wd) : null, Path.of(path), null);
            }
            next++;
        }
        if (in.unreadBytes() > 0) {
            warnings.add(String.format("process %d fd %d (inotify): %d bytes of events that were not read at the checkpoint are lost",
                    pid, f.fd(), in.unreadBytes()));
        }
        return fd;
    }

    /** Uses up watch number {@code wd} with a watch on an inode no saved watch names, and reads away its IN_IGNORED. */
    private static void skipSeized(SyscallInjector inj, long pid, FdImage f, long fd, int wd, InotifyImage in) throws CheckpointException {
        String spare = SPARE.stream().filter(s -> in.watches().stream().noneMatch(w -> is(Path.of(s), w.dev(), w.inode())))
                .findFirst().orElseThrow();
        long got = inj.call(Syscalls.INOTIFY_ADD_WATCH, fd, inj.putPath(spare), IN_ATTRIB);
        if (got != wd) {
            throw new CheckpointException(String.format("process %d fd %d (inotify): skipping watch number %d with a watch on %s gave %s",
                    pid, f.fd(), wd, spare, got < 0 ? Errno.name(got) : "watch " + got), pid, null, null, null);
        }
        inj.check("inotify_rm_watch " + wd, Syscalls.INOTIFY_RM_WATCH, fd, wd);
        inj.check("read of the IN_IGNORED of watch " + wd, Syscalls.READ, fd, inj.scratch() + SyscallInjector.OUT, 256);
    }
}
