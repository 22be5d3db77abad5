package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.MemfdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.pipes.PipeContents;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * memfds (memfd_create(2)) that a descriptor of the job holds, with their mappings.
 *
 * <p>Dump: each object once for the job, keyed by inode: its name (from the link text {@code /memfd:NAME (deleted)}),
 * size, mode, seals (F_GET_SEALS on a copy of the descriptor the tracer takes with pidfd_getfd) and its whole contents
 * (read from the tracer through {@code /proc/PID/fd/N}, which reopens the object) into {@code memfd-INODE.img}.
 * Its MAP_SHARED mappings need no pages (they are the object's); its MAP_PRIVATE ones save their private pages like
 * any private file mapping. A memfd that only mappings hold is saved by {@link SharedMemory} instead (its pages
 * through the mappings; its seals cannot be read without a descriptor).
 *
 * <p>Restore: the object is created by an injected memfd_create with the same name and MFD_ALLOW_SEALING in the
 * first process that needs it, sized, filled from the tracer, and parked there (see {@link ParkedFds}); other
 * processes take it with pidfd_getfd. Seals are applied in two steps, because order matters: F_SEAL_WRITE (with
 * SHRINK, GROW and EXEC) right after the contents and before any mapping (adding it fails with EBUSY while a shared
 * mapping that may be made writable exists, and a write-sealed memfd can still be mapped shared read-only), and
 * F_SEAL_FUTURE_WRITE and F_SEAL_SEAL once every process has its mappings. A memfd made without MFD_ALLOW_SEALING
 * reports F_SEAL_SEAL alone, which is the same state. The first descriptor of the object that was opened O_RDWR
 * takes memfd_create's own open file description; any other one is reopened through {@code /proc/self/fd/N} with
 * its saved flags (a new description, as it was).
 */
public final class Memfd {
    /** What fd links and maps show before the name. */
    public static final String PREFIX = "/memfd:";
    private static final String DELETED = " (deleted)";
    private static final int NAME_MAX = 249; // memfd_create(2): longer names fail with EINVAL
    private static final int LATE_SEALS = Syscalls.F_SEAL_FUTURE_WRITE | Syscalls.F_SEAL_SEAL;
    private static final Logger LOG = LoggerFactory.getLogger(Memfd.class);

    private Memfd() {
    }

    /** @return true for the link text or maps path of a memfd */
    public static boolean is(String path) {
        return path != null && path.startsWith(PREFIX);
    }

    /** @return the name given to memfd_create, from a link text or maps path */
    public static String nameOf(String path) {
        String n = path.substring(PREFIX.length());
        return n.endsWith(DELETED) ? n.substring(0, n.length() - DELETED.length()) : n;
    }

    /** Injects memfd_create(name, flags). @return the new descriptor */
    static long createSeized(SyscallInjector inj, String name, int flags) throws CheckpointException {
        byte[] b = (name + "\0").getBytes(StandardCharsets.UTF_8);
        inj.put(SyscallInjector.PATH, b);
        return inj.check("memfd_create(" + name + ")", Syscalls.MEMFD_CREATE, inj.scratch() + SyscallInjector.PATH, flags);
    }

    /**
     * Saves every memfd the job's descriptors hold, once per object.
     *
     * @param fds    the frozen processes' descriptors, by PID
     * @param folder the staging folder
     */
    public static List<MemfdImage> dump(Path proc, Map<Long, List<FdImage>> fds, Path folder) throws CheckpointException {
        Map<Long, MemfdImage> byInode = new LinkedHashMap<>();
        Long shmemDev = null;
        for (Map.Entry<Long, List<FdImage>> e : fds.entrySet()) {
            long pid = e.getKey();
            for (FdImage f : e.getValue()) {
                if (!FdImage.MEMFD.equals(f.kind()) || byInode.containsKey(f.inode())) {
                    continue;
                }
                Path link = proc.resolve(pid + "/fd/" + f.fd());
                String name = nameOf(f.path());
                shmemDev = shmemDev != null ? shmemDev : shmemDev(pid);
                if (!shmemDev.equals(attribute(link, "unix:dev", pid))) {
                    // MFD_HUGETLB: a hugetlbfs file, whose pages and size rules this version does not rebuild
                    throw new io.quiesce.api.NotSupportedException(String.format("process %d fd %d (%s): a memfd that is not on "
                            + "the kernel's shmem (MFD_HUGETLB): not supported", pid, f.fd(), f.path()));
                }
                String dataFile = "memfd-" + f.inode() + ".img";
                int copy = PipeContents.take(pid, f.fd());
                int seals;
                try {
                    seals = LibC.INSTANCE.fcntl(copy, Syscalls.F_GET_SEALS, 0);
                } finally {
                    LibC.INSTANCE.close(copy);
                }
                if (seals < 0) {
                    throw new CheckpointException(String.format("F_GET_SEALS of memfd %s (process %d fd %d) failed: %s", name, pid,
                            f.fd(), Errno.name(com.sun.jna.Native.getLastError())), pid, null, link, null);
                }
                long size;
                try (FileChannel in = FileChannel.open(link, StandardOpenOption.READ);
                        FileChannel out = ImageFiles.create(folder.resolve(dataFile))) {
                    size = in.size();
                    for (long n = 0, got; n < size; n += got) {
                        got = in.transferTo(n, size - n, out);
                        if (got <= 0) {
                            throw new IOException("short read at " + n + " of " + size);
                        }
                    }
                } catch (IOException x) {
                    throw new CheckpointException(String.format("cannot save memfd %s of process %d fd %d: %s", name, pid, f.fd(),
                            x.getMessage()), pid, null, link, x);
                }
                int mode = (int) (long) attribute(link, "unix:mode", pid) & 07777;
                byInode.put(f.inode(), new MemfdImage(f.inode(), name, size, seals, dataFile, mode));
                LOG.info("memfd {} (inode {}) held by process {} fd {}: {} bytes, seals 0x{}", name, f.inode(), pid, f.fd(), size,
                        Integer.toHexString(seals));
            }
        }
        return new ArrayList<>(byInode.values());
    }

    /** @return the device of this kernel's memfds (of a memfd made here for the purpose) */
    private static Long shmemDev(long pid) throws CheckpointException {
        com.sun.jna.Memory name = new com.sun.jna.Memory(16);
        name.setString(0, "quiesce-probe");
        int fd = (int) LibC.INSTANCE.syscall(Syscalls.MEMFD_CREATE, com.sun.jna.Pointer.nativeValue(name), Syscalls.MFD_CLOEXEC, 0);
        if (fd < 0) {
            throw new CheckpointException("memfd_create in the tracer failed: " + Errno.name(com.sun.jna.Native.getLastError()), pid,
                    null, null, null);
        }
        try {
            return attribute(Path.of("/proc/self/fd/" + fd), "unix:dev", pid);
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    private static Long attribute(Path link, String name, long pid) throws CheckpointException {
        try {
            return ((Number) Files.getAttribute(link, name)).longValue();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot stat " + link + ": " + e.getMessage(), pid, null, link, e);
        }
    }

    /** The restore's view of the job's saved memfds. Used on the restorer's tracer thread only. */
    public static final class Table {
        private final Path proc;
        private final Path folder;
        private final Map<Long, MemfdImage> byInode = new HashMap<>();
        private final ParkedFds<Long> parked = new ParkedFds<>();
        private final Set<Long> claimed = new HashSet<>();

        /**
         * Checks every memfd's name and contents file before any process exists.
         *
         * @throws ImageException when a name is not one memfd_create takes, or a contents file is missing, outside
         *                        the folder or not of the saved size
         */
        public Table(Path proc, Path folder, List<MemfdImage> memfds, Path indexFile) throws ImageException {
            this.proc = proc;
            this.folder = folder;
            for (MemfdImage m : memfds) {
                if (m.name() == null || m.name().indexOf('\0') >= 0 || m.name().getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
                    throw new ImageException("memfd " + m.inode() + " has a name memfd_create does not take", indexFile);
                }
                Path data = folder.resolve(m.dataFile() == null ? "" : m.dataFile()).normalize();
                if (m.dataFile() == null || !data.startsWith(folder.normalize()) || data.equals(folder.normalize())) {
                    throw new ImageException("memfd " + m.name() + " names a file outside the image folder: " + m.dataFile(), indexFile);
                }
                try {
                    if (Files.size(data) != m.size()) {
                        throw new ImageException("holds " + Files.size(data) + " bytes; memfd " + m.name() + " had " + m.size(), data);
                    }
                } catch (IOException e) {
                    throw new ImageException("missing or unreadable (" + e.getMessage() + ")", data);
                }
                byInode.put(m.inode(), m);
            }
        }

        /** @return a descriptor of saved memfd {@code inode} in process {@code pid}, created there if it is the first */
        SharedMemory.Fd fdSeized(SyscallInjector inj, long pid, long nsPid, long inode, int parkBase) throws CheckpointException {
            MemfdImage m = byInode.get(inode);
            if (m == null) {
                throw new ImageException("process " + pid + " uses memfd inode " + inode + ", which the index does not list", folder);
            }
            return parked.fdSeized(inj, pid, nsPid, inode, "memfd " + m.name(), parkBase, in -> createSeized(in, pid, m));
        }

        private long createSeized(SyscallInjector inj, long pid, MemfdImage m) throws CheckpointException {
            long fd = Memfd.createSeized(inj, m.name(), Syscalls.MFD_CLOEXEC | Syscalls.MFD_ALLOW_SEALING);
            inj.check("ftruncate of memfd " + m.name() + " to " + m.size(), Syscalls.FTRUNCATE, fd, m.size());
            Path target = proc.resolve(pid + "/fd/" + fd);
            Path data = folder.resolve(m.dataFile());
            try (FileChannel in = FileChannel.open(data, StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
                for (long n = 0, got; n < m.size(); n += got) {
                    got = out.transferFrom(in, n, m.size() - n);
                    if (got <= 0) {
                        throw new IOException("short read at " + n);
                    }
                }
            } catch (IOException e) {
                throw new CheckpointException("cannot fill memfd " + m.name() + " in process " + pid + " from " + data + ": "
                        + e.getMessage(), pid, null, data, e);
            }
            if (m.mode() != null) { // before the seals: F_SEAL_EXEC forbids changing the exec bits
                inj.check(String.format("fchmod(%o) of memfd %s", m.mode() & 07777, m.name()), Syscalls.FCHMOD, fd, m.mode() & 07777);
            }
            int early = m.seals() & ~LATE_SEALS;
            if (early != 0) {
                inj.check("F_ADD_SEALS 0x" + Integer.toHexString(early) + " of memfd " + m.name(), Syscalls.FCNTL, fd,
                        Syscalls.F_ADD_SEALS, early);
            }
            return fd;
        }

        /**
         * Puts a saved memfd descriptor back at its number, offset and status flags.
         *
         * @param parkBase the first descriptor above the process's saved ones
         */
        public void restoreFdSeized(SyscallInjector inj, long pid, long nsPid, FdImage f, int parkBase) throws CheckpointException {
            SharedMemory.Fd o = fdSeized(inj, pid, nsPid, f.inode(), parkBase);
            long fd;
            if ((f.flags() & LibC.O_ACCMODE) == LibC.O_RDWR && claimed.add(f.inode())) {
                fd = o.temporary() ? o.fd() : inj.check("dup of memfd for fd " + f.fd(), Syscalls.FCNTL, o.fd(),
                        Syscalls.F_DUPFD_CLOEXEC, 0);
            } else {
                int flags = f.flags() & ~(LibC.O_CREAT | LibC.O_TRUNC | LibC.O_EXCL | LibC.O_CLOEXEC);
                fd = inj.check("reopen of memfd " + nameOf(f.path()) + " for fd " + f.fd(), Syscalls.OPEN,
                        inj.putPath("/proc/self/fd/" + o.fd()), flags, 0);
                if (o.temporary()) {
                    inj.call(Syscalls.CLOSE, o.fd());
                }
            }
            if (fd != f.fd()) {
                inj.check("dup2 to fd " + f.fd(), Syscalls.DUP2, fd, f.fd());
                inj.call(Syscalls.CLOSE, fd);
            }
            inj.check("lseek of fd " + f.fd(), Syscalls.LSEEK, f.fd(), f.offset(), Syscalls.SEEK_SET);
            inj.check("fcntl(F_SETFL) of fd " + f.fd(), Syscalls.FCNTL, f.fd(), Syscalls.F_SETFL, f.flags());
        }

        /**
         * Adds the seals that had to wait for every mapping (F_SEAL_FUTURE_WRITE, F_SEAL_SEAL) to the memfds parked in
         * {@code pid} and closes them; call once every process of the job is rebuilt.
         */
        public void finishSeized(SyscallInjector inj, long pid) throws CheckpointException {
            for (Map.Entry<Long, Integer> e : parked.parkedIn(pid).entrySet()) {
                MemfdImage m = byInode.get(e.getKey());
                int late = m.seals() & LATE_SEALS;
                if (late != 0) {
                    inj.check("F_ADD_SEALS 0x" + Integer.toHexString(late) + " of memfd " + m.name(), Syscalls.FCNTL, e.getValue(),
                            Syscalls.F_ADD_SEALS, late);
                }
            }
            parked.closeParkedSeized(inj, pid);
        }
    }
}
