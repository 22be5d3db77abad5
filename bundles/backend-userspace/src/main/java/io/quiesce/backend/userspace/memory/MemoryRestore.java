package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.PageRun;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.Vma;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

/**
 * Rebuilds a saved address space inside a seized stub: unmaps the stub, moves the kernel's special mappings
 * (vvar, vvar_vclock, vdso) to their saved addresses, maps every saved mapping, and writes the saved pages.
 */
public final class MemoryRestore {
    private static final int CHUNK = 256 * 1024;
    private static final List<String> SPECIALS = List.of("[vvar]", "[vvar_vclock]", "[vdso]");

    private final long pid;
    private final long nsPid;
    private final Path imageFile;
    private final SharedMemory.Table shmem;
    private final Memfd.Table memfds;
    private final SysvShm.Table sysv;

    /**
     * @param pid       the stub
     * @param nsPid     its PID in its own namespace
     * @param imageFile the process file, named in errors
     * @param shmem     the job's shared anonymous memory restored so far
     * @param memfds    the job's saved memfds restored so far
     * @param sysv      the job's SysV segments restored so far
     */
    public MemoryRestore(long pid, long nsPid, Path imageFile, SharedMemory.Table shmem, Memfd.Table memfds, SysvShm.Table sysv) {
        this.pid = pid;
        this.nsPid = nsPid;
        this.imageFile = imageFile;
        this.shmem = shmem;
        this.memfds = memfds;
        this.sysv = sysv;
    }

    /**
     * Checks that the stub's special mappings are the saved ones in kind and size. The vDSO code reaches vvar
     * RIP-relatively and the saved program may hold pointers into the vDSO, so both must be the same kernel's.
     *
     * @throws CheckpointException naming the mapping and both sizes when they differ
     */
    public void checkSpecials(List<Vma> stub, List<VmaImage> saved) throws CheckpointException {
        for (String name : SPECIALS) {
            long have = stub.stream().filter(v -> name.equals(v.path())).mapToLong(Vma::length).sum();
            long want = saved.stream().filter(v -> name.equals(v.path())).mapToLong(v -> v.end() - v.start()).sum();
            if (have != want) {
                throw new CheckpointException(String.format("%s: %s size mismatch: the image has %d bytes, this kernel "
                        + "gives %d; the checkpoint was taken on another kernel and cannot be restored here", imageFile,
                        name, want, have), pid, null, imageFile, null);
            }
        }
    }

    /**
     * Replaces the stub's mappings with the saved ones (contents not yet written).
     *
     * @param inj      injector into the stub
     * @param stub     the stub's mappings, read before the scratch area was mapped
     * @param saved    the saved mappings
     * @param relocate maps a saved path to the path to open now
     * @param parkBase the first descriptor above the process's saved ones (where a shared memory object is kept)
     */
    public void prepareSeized(SyscallInjector inj, List<Vma> stub, List<VmaImage> saved, io.quiesce.backend.userspace.files.Relocation relocate,
            int parkBase) throws CheckpointException {
        for (Vma v : stub) {
            if (!v.special()) {
                inj.check(String.format("munmap of stub mapping %x-%x", v.start(), v.end()), Syscalls.MUNMAP, v.start(),
                        v.length());
            }
        }
        moveSpecials(inj, stub, saved);
        Map<String, Long> opened = new HashMap<>();
        try {
            for (VmaImage v : saved) {
                if (v.path() != null && SPECIALS.contains(v.path())) {
                    continue;
                }
                if (v.sysv() != null) {
                    sysv.attachSeized(inj, pid, v, saved);
                    continue;
                }
                Vma m = new Vma(v.start(), v.end(), v.perms(), v.offset(), "", v.inode(), v.path());
                int flags = (m.shared() ? Syscalls.MAP_SHARED : Syscalls.MAP_PRIVATE) | Syscalls.MAP_FIXED;
                int prot = m.prot();
                long fd = -1;
                long offset = 0;
                boolean temporary = false;
                if (v.memfd() != null) {
                    // its contents are in the object; a private mapping's own pages are written over them
                    SharedMemory.Fd f = memfds.fdSeized(inj, pid, nsPid, v.memfd(), parkBase);
                    fd = f.fd();
                    temporary = f.temporary();
                    offset = v.offset();
                } else if (v.shmem() > 0) {
                    SharedMemory.Fd f = shmem.fdSeized(inj, pid, nsPid, v, parkBase);
                    fd = f.fd();
                    temporary = f.temporary();
                    offset = v.offset();
                    // a write through /proc/PID/mem into a read-only shared mapping fails (no copy-on-write to
                    // force): map it writable until protectSeized
                    prot |= v.runs().isEmpty() ? 0 : Syscalls.PROT_WRITE;
                } else if (m.fileBacked() || m.deletedFile()) { // a deleted file: relocate names its recreated copy
                    String path = relocate.file(v.path(), v.inode());
                    int mode = m.shared() && (m.prot() & Syscalls.PROT_WRITE) != 0 ? LibC.O_RDWR : LibC.O_RDONLY;
                    String key = mode + ":" + path;
                    Long have = opened.get(key);
                    if (have == null) {
                        have = inj.check("open of mapped file " + path, Syscalls.OPEN, inj.putPath(path), mode | LibC.O_CLOEXEC, 0);
                        opened.put(key, have);
                    }
                    fd = have;
                    offset = v.offset();
                } else {
                    flags |= Syscalls.MAP_ANONYMOUS | ("[stack]".equals(v.path()) ? Syscalls.MAP_GROWSDOWN : 0);
                }
                long got = inj.check(String.format("mmap of %x-%x %s", v.start(), v.end(), v.path() == null ? "" : v.path()),
                        Syscalls.MMAP, v.start(), v.end() - v.start(), prot, flags, fd, offset);
                if (temporary) {
                    inj.call(Syscalls.CLOSE, fd);
                }
                if (got != v.start()) {
                    throw new CheckpointException(String.format("mmap in process %d gave 0x%x instead of 0x%x", pid, got,
                            v.start()), pid, null, null, null);
                }
            }
        } finally {
            for (long fd : opened.values()) {
                inj.call(Syscalls.CLOSE, fd);
            }
        }
    }

    /**
     * Gives back their saved protection to the shared mappings that were mapped writable for their pages, and to the
     * parts of SysV attachments whose protection differs from the attach's.
     */
    public void protectSeized(SyscallInjector inj, List<VmaImage> saved) throws CheckpointException {
        for (VmaImage v : saved) {
            Vma m = new Vma(v.start(), v.end(), v.perms(), v.offset(), "", v.inode(), v.path());
            int prot = v.sysv() != null ? sysv.protectionAfterAttach(v, saved)
                    : v.shmem() > 0 && !v.runs().isEmpty() && (m.prot() & Syscalls.PROT_WRITE) == 0 ? m.prot() : -1;
            if (prot >= 0) {
                inj.check(String.format("mprotect of shared memory %x-%x", v.start(), v.end()), Syscalls.MPROTECT, v.start(),
                        v.end() - v.start(), prot);
            }
        }
    }

    private void moveSpecials(SyscallInjector inj, List<Vma> stub, List<VmaImage> saved) throws CheckpointException {
        List<Vma> savedAsVmas = new ArrayList<>();
        for (VmaImage v : saved) {
            savedAsVmas.add(new Vma(v.start(), v.end(), v.perms(), 0, "", 0, v.path()));
        }
        List<Vma> scratch = List.of(new Vma(inj.scratch(), inj.scratch() + SyscallInjector.MAPPED_SIZE, "rwxp", 0, "", 0, null));
        long total = stub.stream().filter(Vma::special).mapToLong(Vma::length).sum();
        // Park every special first, then move it home: the stub's and the saved ranges may overlap.
        long park = SyscallInjector.freeRange(1L << 36, 1L << 30, total, List.of(stub, savedAsVmas, scratch));
        List<long[]> parked = new ArrayList<>();
        for (Vma v : stub) {
            if (!v.special() || v.vsyscall()) {
                continue;
            }
            long got = inj.check("mremap of " + v.path() + " to a parking range", Syscalls.MREMAP, v.start(), v.length(),
                    v.length(), Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED, park);
            parked.add(new long[] { got, v.length(), SPECIALS.indexOf(v.path()) });
            park += v.length();
        }
        for (long[] p : parked) {
            String name = SPECIALS.get((int) p[2]);
            VmaImage home = saved.stream().filter(v -> name.equals(v.path())).findFirst().orElseThrow();
            inj.check("mremap of " + name + " to its saved address", Syscalls.MREMAP, p[0], p[1], p[1],
                    Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED, home.start());
        }
    }

    /**
     * Writes the saved page runs into the rebuilt mappings, checking each run's length and CRC32C.
     *
     * @param memory    the stub's memory
     * @param pages     the pages file
     * @param pagesFile its path, named in errors
     * @param saved     the saved mappings
     * @return the bytes written
     * @throws ImageException when the file is short or a run's checksum does not match
     */
    public long writePagesSeized(ProcessMemory memory, FileChannel pages, Path pagesFile, List<VmaImage> saved)
            throws CheckpointException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long total = 0;
        try {
            for (VmaImage v : saved) {
                for (PageRun r : v.runs()) {
                    CRC32C crc = new CRC32C();
                    for (long done = 0; done < r.length();) {
                        int n = (int) Math.min(CHUNK, r.length() - done);
                        buf.clear().limit(n);
                        while (buf.hasRemaining()) {
                            if (pages.read(buf, r.fileOffset() + done + buf.position()) < 0) {
                                throw new ImageException(String.format("truncated: the run of 0x%x at offset %d needs %d bytes",
                                        r.address(), r.fileOffset(), r.length()), pagesFile);
                            }
                        }
                        buf.flip();
                        crc.update(buf);
                        buf.flip();
                        memory.write(r.address() + done, buf);
                        done += n;
                    }
                    if (crc.getValue() != r.crc32c()) {
                        throw new ImageException(String.format("corrupt: CRC32C mismatch in the run of 0x%x (%d bytes at offset %d):"
                                + " %08x saved, %08x read", r.address(), r.length(), r.fileOffset(), r.crc32c(), crc.getValue()),
                                pagesFile);
                    }
                    total += r.length();
                }
            }
        } catch (IOException e) {
            throw new ImageException("cannot read: " + e.getMessage(), pagesFile);
        }
        return total;
    }
}
