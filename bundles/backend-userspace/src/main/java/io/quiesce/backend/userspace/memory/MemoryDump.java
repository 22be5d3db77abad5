package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.PageRun;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.proc.Pagemap;
import io.quiesce.backend.userspace.proc.Vma;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;

/**
 * Saves a frozen process's memory: every mapping's description, and the pages that pagemap says hold data the
 * restore cannot get elsewhere, as contiguous runs with a CRC32C each. Memory is copied through /proc/PID/mem in
 * 256 KiB chunks: larger buffers were measured to halve throughput (cache misses). Reading and checksumming (on the
 * tracer thread) overlap with writing (on a second thread): reading /proc/PID/mem runs at ~5 GiB/s here, writing the
 * page cache at 1.5-2.5 GiB/s, so done one after the other they added up to most of the job's pause.
 */
public final class MemoryDump {
    private static final int CHUNK = 256 * 1024;
    private static final int PAGEMAP_BATCH = 65536;

    private final Path proc;
    private final long pid;
    private final java.util.Set<Long> ghosts;
    private final java.util.Set<Long> memfds;
    private static final int DEPTH = 4;
    private long pagesSaved;
    private long pagesSkipped;

    /**
     * @param proc   the /proc root
     * @param pid    the frozen process
     * @param ghosts inodes of the deleted files whose contents the job's descriptors let the dump save: a mapping of
     *               one is rebuilt from that copy
     * @param memfds inodes of the memfds the job's descriptors hold, saved whole (see {@link Memfd})
     */
    public MemoryDump(Path proc, long pid, java.util.Set<Long> ghosts, java.util.Set<Long> memfds) {
        this.proc = proc;
        this.pid = pid;
        this.ghosts = ghosts;
        this.memfds = memfds;
    }

    /** @return true for a mapping of a deleted file saved as a ghost file, mapped again from it */
    private boolean ghost(Vma v) {
        return v.deletedFile() && !SharedMemory.anonymous(v) && !Memfd.is(v.path()) && !SysvShm.is(v) && ghosts.contains(v.inode());
    }

    /** @return true for a mapping of a memfd that a descriptor of the job holds: its contents are saved with it */
    private boolean heldMemfd(Vma v) {
        return Memfd.is(v.path()) && memfds.contains(v.inode());
    }

    /**
     * @return true for a shared mapping whose object's pages are saved through the mappings, once per object: shared
     *         anonymous memory, a memfd no descriptor of the job holds, a SysV segment, a deleted file no descriptor
     *         of the job holds (see {@link SharedMemory#deletedFile})
     */
    public boolean paged(Vma v) {
        return SharedMemory.anonymous(v) || SysvShm.is(v) || v.shared() && Memfd.is(v.path()) && !heldMemfd(v)
                || SharedMemory.deletedFile(v) && !ghost(v);
    }

    /**
     * Refuses mappings this version cannot rebuild, before anything is written.
     *
     * @throws NotSupportedException naming the PID and the mapping
     */
    public void checkSupported(List<Vma> vmas) throws NotSupportedException {
        for (Vma v : vmas) {
            if (!v.shared() && Memfd.is(v.path()) && !heldMemfd(v)) {
                // its unchanged pages are the memfd's, which no descriptor lets the dump read
                throw new NotSupportedException(String.format("process %d maps memfd %s privately (%x-%x) but no descriptor of the "
                        + "job holds it: not supported", pid, Memfd.nameOf(v.path()), v.start(), v.end()));
            }
            if (v.deletedFile() && !paged(v) && !heldMemfd(v) && !ghost(v)) {
                // privately mapped: its unchanged pages are the file's, reachable without a descriptor only through
                // /proc/PID/map_files, which needs CAP_CHECKPOINT_RESTORE
                throw new NotSupportedException(String.format("process %d maps a deleted file (%x-%x %s) that no descriptor of "
                        + "the job holds, privately: not supported (a deleted executable or library is not either)",
                        pid, v.start(), v.end(), v.path()));
            }
            if (v.shared() && !v.fileBacked() && !paged(v) && !heldMemfd(v) && !ghost(v)) {
                throw new NotSupportedException(String.format("process %d has shared memory that is not a plain file, "
                        + "anonymous, a memfd or SysV (%x-%x %s): not supported", pid, v.start(), v.end(), v.path()));
            }
        }
    }

    /** Which pages of a mapping to save, when pagemap cannot tell. */
    @FunctionalInterface
    interface Selection {
        /** @return true when the page at {@code address} is to be saved */
        boolean save(long address);
    }

    private String pagesDigest;

    /** @return the SHA-256 (hex) of the pages file the last {@link #dumpSeized} wrote, hashed as it was written */
    public String pagesDigest() {
        return pagesDigest;
    }

    /**
     * Copies the pages of every mapping into {@code out}.
     *
     * @param vmas     the process's mappings, from /proc/PID/maps of the frozen process
     * @param memory   its memory
     * @param out      the pages file, positioned at 0
     * @param shared   the job's shared anonymous memory saved so far; updated
     * @param resident the mincore vector of each shared anonymous mapping, by start address
     * @return the mappings' images, in address order ({@code [vsyscall]} left out: every process has it)
     */
    public List<VmaImage> dumpSeized(List<Vma> vmas, ProcessMemory memory, FileChannel out, SharedMemory.Dump shared,
            Map<Long, byte[]> resident) throws CheckpointException {
        List<VmaImage> images = new ArrayList<>();
        try (Pagemap pagemap = new Pagemap(proc, pid); PipelinedWriter writer = new PipelinedWriter(out, pid)) {
            for (Vma v : vmas) {
                if (v.vsyscall()) {
                    continue;
                }
                List<PageRun> runs = List.of();
                int shmem = paged(v) ? shared.idOf(v) : 0;
                // specials are moved, not copied; PROT_NONE pages cannot be read; shared file pages live in the file
                if (shmem > 0 && !v.protNone()) {
                    runs = dumpVma(v, pagemap, memory, writer, shared.selection(v, resident.get(v.start())));
                } else if (!v.special() && !v.protNone() && !v.shared()) {
                    runs = dumpVma(v, pagemap, memory, writer, null);
                }
                images.add(new VmaImage(v.start(), v.end(), v.perms(), v.offset(), v.inode(), v.path(), runs, shmem,
                        heldMemfd(v) ? v.inode() : null, SysvShm.is(v) ? (int) v.inode() : null));
            }
            writer.finish();
            pagesDigest = writer.digest();
        } catch (IOException e) {
            throw new CheckpointException("cannot save memory of process " + pid + ": " + e.getMessage(), pid, null, null, e);
        }
        return images;
    }

    /** @param select which pages to save, or null to ask pagemap */
    private List<PageRun> dumpVma(Vma v, Pagemap pagemap, ProcessMemory memory, PipelinedWriter out, Selection select)
            throws IOException, CheckpointException {
        List<PageRun> runs = new ArrayList<>();
        boolean file = v.fileBacked() || ghost(v) || heldMemfd(v);
        long runStart = -1;
        for (long a = v.start(); a < v.end(); a += (long) PAGEMAP_BATCH * Pagemap.PAGE) {
            int n = (int) Math.min(PAGEMAP_BATCH, (v.end() - a) / Pagemap.PAGE);
            long[] e = select == null ? pagemap.entries(a, n) : null;
            for (int i = 0; i < n; i++) {
                long page = a + (long) i * Pagemap.PAGE;
                if (select == null ? Pagemap.mustSave(e[i], file) : select.save(page)) {
                    pagesSaved++;
                    if (runStart < 0) {
                        runStart = page;
                    }
                } else {
                    pagesSkipped++;
                    if (runStart >= 0) {
                        runs.add(copy(runStart, page - runStart, memory, out));
                        runStart = -1;
                    }
                }
            }
        }
        if (runStart >= 0) {
            runs.add(copy(runStart, v.end() - runStart, memory, out));
        }
        return runs;
    }

    private PageRun copy(long addr, long len, ProcessMemory memory, PipelinedWriter out) throws IOException, CheckpointException {
        long fileOffset = out.position();
        CRC32C crc = new CRC32C();
        for (long done = 0; done < len;) {
            int n = (int) Math.min(CHUNK, len - done);
            ByteBuffer buffer = out.take();
            buffer.clear().limit(n);
            memory.read(addr + done, buffer);
            buffer.flip();
            crc.update(buffer);
            buffer.flip();
            out.submit(buffer);
            done += n;
        }
        return new PageRun(addr, len, fileOffset, crc.getValue());
    }

    /**
     * Writes chunks in order on its own thread, each at the file position it was given when submitted, so the
     * caller knows every run's offset at once. A write error is reported by the next {@link #take}, {@link #submit}
     * or {@link #finish}; closing without finishing stops the thread and leaves the file incomplete (the dump fails).
     */
    private static final class PipelinedWriter implements AutoCloseable {
        private static final ByteBuffer END = ByteBuffer.allocate(0);

        private record Chunk(ByteBuffer buffer, long position) {
        }

        private final FileChannel out;
        private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(DEPTH);
        private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(DEPTH + 1);
        private final Thread thread;
        private volatile IOException failure;
        private long position;
        private final java.security.MessageDigest sha256;

        PipelinedWriter(FileChannel out, long pid) throws IOException {
            this.out = out;
            this.position = out.position();
            try {
                sha256 = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("this JVM has no SHA-256", e);
            }
            for (int i = 0; i < DEPTH; i++) {
                free.add(ByteBuffer.allocateDirect(CHUNK));
            }
            thread = new Thread(this::run, "quiesce-pages-" + pid);
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                for (Chunk c = full.take(); c.buffer() != END; c = full.take()) {
                    // chunks come in file order from offset 0: the file's digest, without reading it again
                    sha256.update(c.buffer().duplicate());
                    long at = c.position();
                    while (c.buffer().hasRemaining()) {
                        at += out.write(c.buffer(), at);
                    }
                    free.put(c.buffer());
                }
            } catch (IOException e) {
                failure = e;
                free.add(ByteBuffer.allocateDirect(CHUNK)); // wake a reader waiting for a buffer, so it sees the failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long position() {
            return position;
        }

        ByteBuffer take() throws IOException {
            check();
            try {
                ByteBuffer b = free.take();
                check();
                return b;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while saving pages", e);
            }
        }

        void submit(ByteBuffer buffer) throws IOException {
            check();
            int length = buffer.remaining(); // read before the writer thread may drain it
            try {
                full.put(new Chunk(buffer, position));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while saving pages", e);
            }
            position += length;
        }

        /** Waits until every chunk is written and leaves the channel positioned after the last one. */
        void finish() throws IOException {
            try {
                full.put(new Chunk(END, -1));
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while saving pages", e);
            }
            check();
            out.position(position);
        }

        /** @return the SHA-256 of everything written, in hex; after {@link #finish} only, and only from offset 0 */
        String digest() {
            return java.util.HexFormat.of().formatHex(sha256.digest());
        }

        private void check() throws IOException {
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public void close() {
            if (thread.isAlive()) {
                thread.interrupt();
            }
        }
    }

    /** @return pages copied so far */
    public long pagesSaved() {
        return pagesSaved;
    }

    /** @return pages left out (never touched, or unchanged file pages) */
    public long pagesSkipped() {
        return pagesSkipped;
    }
}
