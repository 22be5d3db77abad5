package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A tracee's memory through /proc/PID/mem: pread/pwrite at virtual addresses. Writes into read-only private
 * mappings work because the kernel forces them for a tracer (CONFIG_PROC_MEM_ALWAYS_FORCE / FOLL_FORCE), so the
 * restore needs no mprotect dance.
 */
public final class ProcessMemory implements AutoCloseable {
    private final long pid;
    private final FileChannel channel;

    /** Opens the memory of {@code pid} under the /proc root {@code proc} for reading and writing. */
    public ProcessMemory(Path proc, long pid) throws CheckpointException {
        this.pid = pid;
        try {
            channel = FileChannel.open(proc.resolve(pid + "/mem"), StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new CheckpointException("cannot open /proc/" + pid + "/mem: " + e.getMessage(), pid, null, null, e);
        }
    }

    /** Reads {@code dst.remaining()} bytes at {@code addr} into {@code dst}. */
    public void read(long addr, ByteBuffer dst) throws CheckpointException {
        try {
            long a = addr;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, a);
                if (n <= 0) {
                    throw new IOException("end of memory");
                }
                a += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(String.format("cannot read memory of process %d at 0x%x: %s", pid, addr,
                    e.getMessage()), pid, "EIO", null, e);
        }
    }

    /** @return {@code len} bytes at {@code addr} */
    public byte[] read(long addr, int len) throws CheckpointException {
        ByteBuffer b = ByteBuffer.allocate(len);
        read(addr, b);
        return b.array();
    }

    /** Writes all of {@code src} at {@code addr}. */
    public void write(long addr, ByteBuffer src) throws CheckpointException {
        try {
            long a = addr;
            while (src.hasRemaining()) {
                a += channel.write(src, a);
            }
        } catch (IOException e) {
            throw new CheckpointException(String.format("cannot write memory of process %d at 0x%x: %s", pid, addr,
                    e.getMessage()), pid, "EIO", null, e);
        }
    }

    /** Writes {@code data} at {@code addr}. */
    public void write(long addr, byte[] data) throws CheckpointException {
        write(addr, ByteBuffer.wrap(data));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written through a buffer of ours: closing cannot lose data
        }
    }
}
