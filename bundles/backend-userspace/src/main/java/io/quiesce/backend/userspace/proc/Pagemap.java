package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads /proc/PID/pagemap: one little-endian u64 per virtual page. Only the flag bits are used, which the kernel
 * also reports to unprivileged readers (it zeroes the frame numbers for them).
 */
public final class Pagemap implements AutoCloseable {
    /** Page size on x86_64. */
    public static final int PAGE = 4096;
    private static final long PRESENT = 1L << 63, SWAPPED = 1L << 62, FILE_OR_SHARED = 1L << 61;

    private final FileChannel channel;

    /** Opens the pagemap of {@code pid} under the /proc root {@code proc}. */
    public Pagemap(Path proc, long pid) throws IOException {
        channel = FileChannel.open(proc.resolve(pid + "/pagemap"), StandardOpenOption.READ);
    }

    /**
     * @param start first address (page aligned)
     * @param pages number of pages
     * @return their entries
     */
    public long[] entries(long start, int pages) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(pages * 8).order(ByteOrder.LITTLE_ENDIAN);
        long pos = (start / PAGE) * 8;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos + b.position());
            if (n <= 0) {
                throw new IOException("short pagemap read at page " + (start / PAGE + b.position() / 8));
            }
        }
        b.flip();
        long[] e = new long[pages];
        b.asLongBuffer().get(e);
        return e;
    }

    /**
     * Whether a page must be saved: it is in memory or swap, and is not an unchanged page of the mapped file
     * (such a page comes back from the file when the mapping is rebuilt).
     *
     * @param entry      its pagemap entry
     * @param fileBacked true when the mapping is backed by a file that the restore maps again
     */
    public static boolean mustSave(long entry, boolean fileBacked) {
        if ((entry & (PRESENT | SWAPPED)) == 0) {
            return false; // never touched: reads back as zeros, or from the file
        }
        return !(fileBacked && (entry & FILE_OR_SHARED) != 0);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
