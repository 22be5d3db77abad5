package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.GhostImage;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.Pagemap;
import io.quiesce.backend.userspace.proc.Vma;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared memory whose pages are saved through the mappings: shared anonymous memory, and in the same way memfds that
 * no descriptor of the job holds, System V segments (see {@link Memfd}, {@link SysvShm}) and deleted files no
 * descriptor holds ({@link #deletedFile}). Shared anonymous memory ({@code mmap(MAP_SHARED|MAP_ANONYMOUS)}), within a process and between the processes
 * of a job. The kernel backs each such mapping with a shmem object, shown in maps as {@code /dev/zero (deleted)}
 * with its own inode: mappings with the same device and inode are the same memory, whichever process holds them.
 *
 * <p>Dump: the pages to save are the object's pages, not the process's: a page written by a process that has since
 * exited, or not yet faulted into this one, has no entry in this process's pagemap. mincore(2), injected into the
 * process, reports the object's page cache for such a mapping, so it is used instead of pagemap. Each page of an
 * object is saved once for the whole job, by the first process in dump order that maps it.
 *
 * <p>Restore: each object becomes one memfd, created in the first process that maps it (sized to cover every
 * mapping of it in the job) and parked there above its saved descriptors; later mappings, in that process or
 * another, take it with pidfd_getfd(2) and map it. Every process's saved runs are written through its own mapping,
 * which lands in the one object. The parked memfds are closed once every process is rebuilt. Only the name in maps
 * changes ({@code /memfd:quiesce-shm (deleted)}); the memory behaves the same.
 */
public final class SharedMemory {
    /** The name maps shows for a shared anonymous mapping. */
    public static final String DEV_ZERO = "/dev/zero (deleted)";
    private static final String NAME = "quiesce-shm";

    private SharedMemory() {
    }

    /** @return true for a shared anonymous mapping */
    public static boolean anonymous(Vma v) {
        return v.shared() && DEV_ZERO.equals(v.path());
    }

    /**
     * @return true for a shared mapping of a deleted file other than the kernel's own objects (shared anonymous
     *         memory, memfds, SysV segments): MPICH's shared memory is a {@code /dev/shm} file that every rank maps,
     *         then unlinked, its descriptors closed. Where no descriptor of the job holds it, it is saved through its
     *         mappings like shared anonymous memory (what no mapping covers can no longer be reached by anyone) and
     *         becomes a memfd with the file's name at restore.
     */
    public static boolean deletedFile(Vma v) {
        return v.shared() && v.deletedFile() && !anonymous(v) && !Memfd.is(v.path()) && !SysvShm.is(v);
    }

    /** @return the memfd name for a saved mapping's object: a memfd keeps its own, a deleted file its file name */
    private static String nameOf(String path) {
        if (Memfd.is(path)) {
            return Memfd.nameOf(path);
        }
        if (path != null && path.endsWith(GhostImage.DELETED) && path.startsWith("/") && !DEV_ZERO.equals(path)) {
            String file = path.substring(path.lastIndexOf('/') + 1, path.length() - GhostImage.DELETED.length());
            // memfd_create takes at most 249 bytes of name, and no '/' (there is none left)
            return file.isEmpty() ? NAME : file.substring(0, Math.min(file.length(), 200));
        }
        return NAME;
    }

    /**
     * Asks a seized process which pages of its shared mappings hold data, with injected mincore(2) calls (the
     * vector goes into the scratch area, one page of it per call).
     *
     * @param paged which mappings' pages are saved through the mappings (see {@link MemoryDump#paged})
     * @return one byte per page (bit 0: resident) for each such mapping, by start address
     */
    public static Map<Long, byte[]> residentSeized(SyscallInjector inj, List<Vma> vmas, java.util.function.Predicate<Vma> paged)
            throws CheckpointException {
        Map<Long, byte[]> out = new HashMap<>();
        int perCall = SyscallInjector.SCRATCH_SIZE - SyscallInjector.PATH;
        for (Vma v : vmas) {
            if (!paged.test(v) || v.protNone()) {
                continue; // a PROT_NONE mapping's pages are not saved through it
            }
            int pages = (int) (v.length() / Pagemap.PAGE);
            byte[] vec = new byte[pages];
            for (int done = 0; done < pages; done += perCall) {
                int n = Math.min(perCall, pages - done);
                inj.check(String.format("mincore of shared memory %x-%x", v.start(), v.end()), Syscalls.MINCORE,
                        v.start() + (long) done * Pagemap.PAGE, (long) n * Pagemap.PAGE, inj.scratch() + SyscallInjector.PATH);
                System.arraycopy(inj.get(SyscallInjector.PATH, n), 0, vec, done, n);
            }
            out.put(v.start(), vec);
        }
        return out;
    }

    /** The dump's view across the job: a number per object, and which of its pages are saved already. */
    public static final class Dump {
        private final Map<String, Integer> ids = new LinkedHashMap<>();
        private final Map<Integer, BitSet> saved = new HashMap<>();

        /**
         * @return the job-wide number (from 1) of the object behind a mapping whose pages are saved through the
         *         mappings (a SysV segment's inode is its shmid, which may equal a memfd's inode on the same device)
         */
        public int idOf(Vma v) {
            return ids.computeIfAbsent((SysvShm.is(v) ? "sysv:" : "") + v.dev() + ":" + v.inode(), k -> ids.size() + 1);
        }

        /**
         * @param v        a shared anonymous mapping of a seized process
         * @param resident its mincore vector
         * @return whether the page at an address must be saved here: resident, and not saved by an earlier mapping
         */
        MemoryDump.Selection selection(Vma v, byte[] resident) {
            BitSet done = saved.computeIfAbsent(idOf(v), k -> new BitSet());
            long firstPage = v.offset() / Pagemap.PAGE;
            return address -> {
                int i = (int) ((address - v.start()) / Pagemap.PAGE);
                int page = (int) (firstPage + i);
                if ((resident[i] & 1) == 0 || done.get(page)) {
                    return false;
                }
                done.set(page);
                return true;
            };
        }
    }

    /** A descriptor for an object in the process being rebuilt; a temporary one is closed once it is mapped. */
    record Fd(long fd, boolean temporary) {
    }

    /** The restore's view across the job: each object's size and name, and the process that holds its memfd. */
    public static final class Table {
        private final Map<Integer, Long> sizes = new HashMap<>();
        private final Map<Integer, String> names = new HashMap<>();
        private final ParkedFds<Integer> parked = new ParkedFds<>();

        /** @param images every saved process of the job: an object is sized to cover all its mappings */
        public Table(List<ProcessImage> images) {
            for (ProcessImage image : images) {
                for (VmaImage v : image.vmas()) {
                    if (v.shmem() > 0 && v.sysv() == null) {
                        sizes.merge(v.shmem(), v.offset() + v.end() - v.start(), Math::max);
                        // a memfd no descriptor held keeps its name, a deleted file its file name; shared anonymous
                        // memory gets ours
                        names.putIfAbsent(v.shmem(), nameOf(v.path()));
                    }
                }
            }
        }

        /**
         * @param pid      the process being rebuilt
         * @param nsPid    its PID in its own namespace (what another process's pidfd_open needs)
         * @param parkBase the first descriptor above its saved ones, where a new memfd is parked
         * @return a descriptor of the object of {@code v} in that process
         */
        Fd fdSeized(SyscallInjector inj, long pid, long nsPid, VmaImage v, int parkBase) throws CheckpointException {
            return parked.fdSeized(inj, pid, nsPid, v.shmem(), String.format("the shared memory of %x-%x", v.start(), v.end()),
                    parkBase, in -> {
                        String name = names.get(v.shmem());
                        long fd = Memfd.createSeized(in, name, Syscalls.MFD_CLOEXEC);
                        long size = sizes.get(v.shmem());
                        in.check("ftruncate of memfd " + name + " to " + size, Syscalls.FTRUNCATE, fd, size);
                        return fd;
                    });
        }

        /** Closes the memfds parked in {@code pid}; call once every process of the job is rebuilt. */
        public void closeParkedSeized(SyscallInjector inj, long pid) throws CheckpointException {
            parked.closeParkedSeized(inj, pid);
        }
    }
}
