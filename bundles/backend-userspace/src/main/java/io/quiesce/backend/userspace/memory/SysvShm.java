package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.ImageException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.SysvShmImage;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.ShmidDs;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.Pagemap;
import io.quiesce.backend.userspace.proc.SysvShmTable;
import io.quiesce.backend.userspace.proc.Vma;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * System V shared memory segments attached by the job's processes (maps: {@code /SYSV<key> (deleted)}, inode =
 * shmid).
 *
 * <p>Dump: the segment table is /proc/sysvipc/shm, which the kernel gives per IPC namespace of the reader, so it is
 * read by an injected open/read inside a process of the job (jobs under quiesce-init have an IPC namespace of their
 * own). Each segment's key, mode, owner, size and SHM_DEST (IPC_RMID while attached) are saved; its pages are saved
 * through the attachments like shared anonymous memory ({@link SharedMemory}), each page once. Refused, naming PID and
 * address or shmid: an attachment that does not cover the whole segment (partly unmapped), a segment also attached
 * outside the job (its sharing would be lost), and in a job's own IPC namespace a segment no process has attached
 * (its contents are reachable only by attaching it).
 *
 * <p>Restore: the first process that attached a segment creates it with an injected shmget (the saved key; a segment
 * marked for removal or IPC_PRIVATE gets IPC_PRIVATE) after writing the saved shmid into
 * /proc/sys/kernel/shm_next_id, which the kernel allows to a process with CAP_CHECKPOINT_RESTORE over the IPC
 * namespace's user namespace (root, or a job in a user and IPC namespace of its own); elsewhere the segment gets a
 * new shmid and {@code RestoreSession.warnings()} says so. Every attachment is an injected shmat at its saved address
 * (SHM_RDONLY when no part of it was writable and it holds no saved page). Once all are attached, the creator sets the
 * saved owner and mode (IPC_SET) and marks it IPC_RMID again if it was. A key taken by a segment that is not the
 * job's fails the restore naming it.
 */
public final class SysvShm {
    private static final String PREFIX = "/SYSV";
    private static final String TABLE = "/proc/sysvipc/shm";
    private static final String NEXT_ID = "/proc/sys/kernel/shm_next_id";
    private static final int TABLE_MAX = 1 << 20;
    private static final long EEXIST = -17;

    private SysvShm() {
    }

    /** @return true for an attachment of a SysV segment */
    public static boolean is(Vma v) {
        return v.shared() && v.path() != null && v.path().startsWith(PREFIX) && v.path().endsWith(" (deleted)");
    }

    private static long pageUp(long n) {
        return (n + Pagemap.PAGE - 1) / Pagemap.PAGE * Pagemap.PAGE;
    }

    /** The dump's view across the job. Used on the tracer thread only. */
    public static final class Dump {
        private final Path proc;
        private final Map<Integer, SysvShmTable.Segment> table = new LinkedHashMap<>();
        private final Map<Integer, Integer> attachments = new HashMap<>();
        private final Map<Integer, Long> firstPid = new HashMap<>();
        private boolean read;
        private boolean ownNamespace;

        /** @param proc the /proc root */
        public Dump(Path proc) {
            this.proc = proc;
        }

        /**
         * Reads the segment table inside a seized process, once for the job (when it has attachments, or when the job
         * has an IPC namespace of its own), and counts its attachments.
         *
         * @throws NotSupportedException for an attachment this version cannot rebuild
         */
        public void collectSeized(SyscallInjector inj, long pid, List<Vma> vmas) throws CheckpointException {
            List<Vma> mine = vmas.stream().filter(SysvShm::is).toList();
            if (!read) {
                ownNamespace = !ipcNamespace(proc.resolve(pid + "/ns/ipc")).equals(ipcNamespace(proc.resolve("self/ns/ipc")));
            }
            if (!read && (ownNamespace || !mine.isEmpty())) {
                for (SysvShmTable.Segment s : SysvShmTable.parse(readInside(inj, TABLE))) {
                    table.put(s.shmid(), s);
                }
                read = true;
            }
            for (Vma v : mine) {
                int id = (int) v.inode();
                SysvShmTable.Segment s = table.get(id);
                if (s == null) {
                    throw new NotSupportedException(String.format("process %d attaches SysV segment %d at %x, which %s does not list",
                            pid, id, v.start(), TABLE));
                }
                if (v.offset() != 0) {
                    continue; // counted with the part that begins the attachment
                }
                long end = v.start();
                for (Vma w : mine) {
                    if (w.inode() == v.inode() && w.start() - w.offset() == v.start()) {
                        end = Math.max(end, w.end());
                    }
                }
                long covered = mine.stream().filter(w -> w.inode() == v.inode() && w.start() - w.offset() == v.start())
                        .mapToLong(Vma::length).sum();
                if (end - v.start() != pageUp(s.size()) || covered != end - v.start()) {
                    throw new NotSupportedException(String.format("process %d has SysV segment %d (key 0x%x) attached at %x only in "
                            + "part (%d of %d bytes mapped): not supported", pid, id, s.key(), v.start(), covered, pageUp(s.size())));
                }
                attachments.merge(id, 1, Integer::sum);
                firstPid.putIfAbsent(id, pid);
            }
        }

        /**
         * @return the segments the job attached, in the order first met
         * @throws NotSupportedException for a segment also attached outside the job, or (own namespace) attached by none
         */
        public List<SysvShmImage> finish() throws NotSupportedException {
            List<SysvShmImage> out = new ArrayList<>();
            for (SysvShmTable.Segment s : table.values()) {
                Integer mine = attachments.get(s.shmid());
                if (mine == null) {
                    if (ownNamespace) {
                        throw new NotSupportedException(String.format("SysV segment %d (key 0x%x, %d bytes) exists in the job's IPC "
                                + "namespace but no process of the job has it attached: not supported", s.shmid(), s.key(), s.size()));
                    }
                    continue; // the host's namespace: another program's segment
                }
                if (s.nattch() > mine) {
                    throw new NotSupportedException(String.format("SysV segment %d (key 0x%x) of process %d is attached %d times, "
                            + "only %d of them in the job: processes outside the job share it; not supported", s.shmid(), s.key(),
                            firstPid.get(s.shmid()), s.nattch(), mine));
                }
                out.add(new SysvShmImage(s.shmid(), s.key(), s.perms() & 0777, s.uid(), s.gid(), s.size(), s.removed(), s.cpid()));
            }
            return out;
        }

        private static String ipcNamespace(Path link) throws CheckpointException {
            try {
                return Files.readSymbolicLink(link).toString();
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + link + ": " + e.getMessage(), -1, null, link, e);
            }
        }
    }

    /** Reads a small /proc file inside the tracee (a view that depends on the reader's namespaces). */
    static String readInside(SyscallInjector inj, String path) throws CheckpointException {
        long fd = inj.check("open of " + path, Syscalls.OPEN, inj.putPath(path), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            int room = SyscallInjector.SCRATCH_SIZE - SyscallInjector.PATH;
            for (long n; (n = inj.check("read of " + path, Syscalls.READ, fd, inj.scratch() + SyscallInjector.PATH, room)) > 0;) {
                out.writeBytes(inj.get(SyscallInjector.PATH, (int) n));
                if (out.size() > TABLE_MAX) {
                    throw new CheckpointException(path + " in process " + inj.tracee().tid() + " is larger than " + TABLE_MAX + " bytes");
                }
            }
        } finally {
            inj.call(Syscalls.CLOSE, fd);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** The restore's view: each saved segment's new shmid and creator. Used on the restorer's tracer thread only. */
    public static final class Table {
        private final Map<Integer, SysvShmImage> saved = new HashMap<>();
        private final Map<Integer, Long> newIds = new HashMap<>();
        private final Map<Integer, Long> creators = new HashMap<>();
        private final List<String> warnings;

        /**
         * @param segments the saved segments, from the index
         * @param images   every saved process (a segment's attachments in all of them are checked against it)
         * @param warnings where a shmid that changed is reported
         * @throws ImageException for a segment of no size, or an attachment of a segment the index does not list
         */
        public Table(List<SysvShmImage> segments, List<ProcessImage> images, List<String> warnings, Path indexFile)
                throws ImageException {
            this.warnings = warnings;
            for (SysvShmImage s : segments) {
                if (s.size() <= 0) {
                    throw new ImageException("SysV segment " + s.shmid() + " has size " + s.size(), indexFile);
                }
                saved.put(s.shmid(), s);
            }
            for (ProcessImage image : images) {
                for (VmaImage v : image.vmas()) {
                    if (v.sysv() != null && !saved.containsKey(v.sysv())) {
                        throw new ImageException("process " + image.pid() + " attaches SysV segment " + v.sysv()
                                + ", which the index does not list", indexFile);
                    }
                }
            }
        }

        /**
         * Attaches the segment of {@code v} at its saved address when {@code v} begins an attachment (the other parts
         * of one come with it), creating the segment first in the first process that needs it.
         *
         * @param all the process's saved mappings
         */
        void attachSeized(SyscallInjector inj, long pid, VmaImage v, List<VmaImage> all) throws CheckpointException {
            if (v.offset() != 0) {
                return;
            }
            SysvShmImage s = saved.get(v.sysv());
            List<VmaImage> parts = all.stream().filter(w -> v.sysv().equals(w.sysv()) && w.start() - w.offset() == v.start()).toList();
            boolean writable = parts.stream().anyMatch(w -> w.perms().charAt(1) == 'w' || !w.runs().isEmpty());
            Long id = newIds.get(s.shmid());
            if (id == null) {
                id = createSeized(inj, pid, s);
            }
            long got = inj.check(String.format("shmat of SysV segment %d at %x", id, v.start()), Syscalls.SHMAT, id, v.start(),
                    writable ? 0 : Syscalls.SHM_RDONLY);
            if (got != v.start()) {
                throw new CheckpointException(String.format("shmat in process %d gave 0x%x instead of 0x%x", pid, got, v.start()), pid,
                        null, null, null);
            }
        }

        private long createSeized(SyscallInjector inj, long pid, SysvShmImage s) throws CheckpointException {
            long fd = inj.call(Syscalls.OPEN, inj.putPath(NEXT_ID), LibC.O_WRONLY | LibC.O_CLOEXEC, 0);
            if (fd >= 0) {
                byte[] want = Integer.toString(s.shmid()).getBytes(StandardCharsets.US_ASCII);
                inj.put(SyscallInjector.PATH, want);
                inj.call(Syscalls.WRITE, fd, inj.scratch() + SyscallInjector.PATH, want.length);
                inj.call(Syscalls.CLOSE, fd);
            }
            int key = s.removed() ? Syscalls.IPC_PRIVATE : s.key();
            // owner read/write until every process has attached; the saved mode comes with IPC_SET in finishSeized
            long id = inj.call(Syscalls.SHMGET, key, s.size(), Syscalls.IPC_CREAT | Syscalls.IPC_EXCL | 0600);
            long other = id == EEXIST ? inj.call(Syscalls.SHMGET, key, 0, 0) : -1;
            if (other >= 0 && leftBehindSeized(inj, other, s)) {
                // the saved segment itself, left unattached when the job was killed (a segment outlives its processes):
                // removed (it goes at once, nothing has it attached) and made again with the saved contents
                inj.check("shmctl(IPC_RMID) of the left-behind SysV segment " + other, Syscalls.SHMCTL, other, Syscalls.IPC_RMID, 0);
                return createSeized(inj, pid, s);
            }
            if (id == EEXIST) {
                throw new CheckpointException(String.format("cannot recreate SysV segment %d: its key 0x%x is taken by segment %d in "
                        + "this IPC namespace, which is not the job's (remove it with ipcrm -m %d, or restart elsewhere)", s.shmid(),
                        s.key(), other, other), pid, "EEXIST", null, null);
            }
            if (id < 0) {
                throw new CheckpointException(String.format("shmget of SysV segment %d (key 0x%x, %d bytes) in process %d failed: %s",
                        s.shmid(), s.key(), s.size(), pid, Errno.name(id)), pid, Errno.name(id), null, null);
            }
            if (id != s.shmid()) {
                warnings.add(String.format("SysV segment %d (key 0x%x) has shmid %d now (%s): a program that kept the old shmid "
                        + "no longer reaches it", s.shmid(), s.key(), id, fd >= 0 ? "the id was taken" : NEXT_ID + ": "
                        + Errno.name(fd)));
            }
            newIds.put(s.shmid(), id);
            creators.put(s.shmid(), pid);
            return id;
        }

        /**
         * @return true when segment {@code id} is the saved one, or one an earlier restore of it made: same shmid, key
         *         and size, and attached by no process (the kernel lets only its owner or creator remove it)
         */
        private boolean leftBehindSeized(SyscallInjector inj, long id, SysvShmImage s) throws CheckpointException {
            if (id != s.shmid()) {
                return false;
            }
            inj.put(SyscallInjector.STRUCT, new byte[ShmidDs.SIZE]);
            if (inj.call(Syscalls.SHMCTL, id, Syscalls.IPC_STAT, inj.scratch() + SyscallInjector.STRUCT) < 0) {
                return false;
            }
            ShmidDs ds = new ShmidDs();
            ds.getPointer().write(0, inj.get(SyscallInjector.STRUCT, ShmidDs.SIZE), 0, ShmidDs.SIZE);
            ds.read();
            return ds.nattch == 0 && ds.segsz == s.size() && ds.key == s.key();
        }

        /** @return the saved protection a SysV mapping must get after its attach, or -1 when the attach gave it */
        int protectionAfterAttach(VmaImage v, List<VmaImage> all) {
            Vma m = new Vma(v.start(), v.end(), v.perms(), v.offset(), "", v.inode(), v.path());
            boolean writableAttach = all.stream().anyMatch(w -> v.sysv().equals(w.sysv())
                    && w.start() - w.offset() == v.start() - v.offset() && (w.perms().charAt(1) == 'w' || !w.runs().isEmpty()));
            int attached = Syscalls.PROT_READ | (writableAttach ? Syscalls.PROT_WRITE : 0);
            return m.prot() == attached ? -1 : m.prot();
        }

        /**
         * Gives the segments created in {@code pid} their saved owner and mode, and marks for removal those that were;
         * call once every process of the job has attached its segments.
         */
        public void finishSeized(SyscallInjector inj, long pid) throws CheckpointException {
            for (Map.Entry<Integer, Long> e : creators.entrySet()) {
                if (e.getValue() != pid) {
                    continue;
                }
                SysvShmImage s = saved.get(e.getKey());
                long id = newIds.get(e.getKey());
                ShmidDs ds = new ShmidDs();
                ds.uid = s.uid();
                ds.gid = s.gid();
                ds.mode = s.mode() & 0777;
                inj.put(SyscallInjector.STRUCT, ds.bytes());
                inj.check(String.format("shmctl(IPC_SET uid %d gid %d mode %o) of SysV segment %d", s.uid(), s.gid(), s.mode(), id),
                        Syscalls.SHMCTL, id, Syscalls.IPC_SET, inj.scratch() + SyscallInjector.STRUCT);
                if (s.removed()) {
                    inj.check("shmctl(IPC_RMID) of SysV segment " + id, Syscalls.SHMCTL, id, Syscalls.IPC_RMID, 0);
                }
            }
        }
    }
}
