package io.quiesce.backend.userspace.pipes;

import com.sun.jna.Native;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.util.Arrays;

/**
 * The bytes in flight in a pipe, read and written from the tracer without running the tracee.
 *
 * <p>Dump does not consume: the tracer takes a copy of the pipe's read end with pidfd_getfd(2) (same open file
 * description; allowed because the tracer may ptrace the process) and tee(2)s the buffered bytes into a private
 * pipe of the same capacity. tee duplicates pipe buffers by reference and leaves the source untouched, so a
 * checkpoint that resumes needs no refill and no injected read/write pair (as CRIU does with its tee of pipes).
 * Restore takes a copy of the new pipe's write end the same way and writes the bytes back before the process
 * runs; the pipe's capacity was set first, so the write cannot block.
 */
public final class PipeContents {
    /** What a pipe held. */
    public record Saved(int capacity, byte[] bytes) {
    }

    private PipeContents() {
    }

    /**
     * @param pid a frozen process holding the pipe's read end
     * @param fd  that descriptor
     * @return the pipe's capacity and buffered bytes, the pipe left as it was
     */
    public static Saved dump(long pid, int fd) throws CheckpointException {
        int mine = take(pid, fd);
        int[] tmp = new int[2];
        try {
            int capacity = check(LibC.INSTANCE.fcntl(mine, Syscalls.F_GETPIPE_SZ, 0), "F_GETPIPE_SZ", pid, fd);
            check(LibC.INSTANCE.pipe2(tmp, LibC.O_CLOEXEC), "pipe2", pid, fd);
            check(LibC.INSTANCE.fcntl(tmp[1], Syscalls.F_SETPIPE_SZ, capacity), "F_SETPIPE_SZ " + capacity, pid, fd);
            long n = LibC.INSTANCE.syscall(Syscalls.TEE, mine, tmp[1], capacity, Syscalls.SPLICE_F_NONBLOCK, 0);
            if (n < 0) {
                if (Native.getLastError() == 11) { // EAGAIN: nothing buffered
                    return new Saved(capacity, new byte[0]);
                }
                check(-1, "tee", pid, fd);
            }
            byte[] buf = new byte[(int) n];
            int got = 0;
            while (got < n) {
                byte[] chunk = new byte[(int) n - got];
                long r = LibC.INSTANCE.read(tmp[0], chunk, chunk.length);
                check(r <= 0 ? -1 : 0, "read of the tee copy", pid, fd);
                System.arraycopy(chunk, 0, buf, got, (int) r);
                got += (int) r;
            }
            return new Saved(capacity, buf);
        } finally {
            LibC.INSTANCE.close(mine);
            if (tmp[0] > 0) {
                LibC.INSTANCE.close(tmp[0]);
                LibC.INSTANCE.close(tmp[1]);
            }
        }
    }

    /**
     * The capacity of a pipe of which the job holds only the write end, its readers all closed: the bytes left in
     * it can never be read again, so none are saved.
     */
    public static Saved dumpCapacity(long pid, int fd) throws CheckpointException {
        int mine = take(pid, fd);
        try {
            return new Saved(check(LibC.INSTANCE.fcntl(mine, Syscalls.F_GETPIPE_SZ, 0), "F_GETPIPE_SZ", pid, fd), new byte[0]);
        } finally {
            LibC.INSTANCE.close(mine);
        }
    }

    /**
     * Whether every descriptor of the pipe's other end, in any process, is closed: poll(2) of a copy of this end
     * reports POLLHUP on a read end without writers and POLLERR on a write end without readers. A pipe whose other
     * end some process outside the job holds must be refused, one whose other end is closed can be rebuilt with it
     * closed.
     *
     * @param pid     a frozen process holding one end
     * @param fd      that descriptor
     * @param readEnd whether it is the read end
     */
    public static boolean otherEndClosed(long pid, int fd, boolean readEnd) throws CheckpointException {
        int mine = take(pid, fd);
        try (com.sun.jna.Memory pfd = new com.sun.jna.Memory(8)) {
            pfd.setInt(0, mine);
            pfd.setShort(4, readEnd ? LibC.POLLIN : LibC.POLLOUT);
            pfd.setShort(6, (short) 0);
            check(LibC.INSTANCE.poll(pfd, 1, 0), "poll", pid, fd);
            short revents = pfd.getShort(6);
            return (revents & (readEnd ? LibC.POLLHUP : LibC.POLLERR)) != 0;
        } finally {
            LibC.INSTANCE.close(mine);
        }
    }

    /**
     * Writes saved bytes into a new, empty pipe whose capacity is already at least their length.
     *
     * @param pid a stopped process holding the pipe's write end
     * @param fd  that descriptor
     */
    public static void refill(long pid, int fd, byte[] bytes) throws CheckpointException {
        if (bytes.length == 0) {
            return;
        }
        int mine = take(pid, fd);
        try {
            int done = 0;
            while (done < bytes.length) {
                byte[] rest = done == 0 ? bytes : Arrays.copyOfRange(bytes, done, bytes.length);
                long w = LibC.INSTANCE.write(mine, rest, rest.length);
                check(w <= 0 ? -1 : 0, "write of " + bytes.length + " saved bytes", pid, fd);
                done += (int) w;
            }
        } finally {
            LibC.INSTANCE.close(mine);
        }
    }

    /**
     * @return a descriptor of this JVM for the same open file description as {@code fd} of {@code pid} (also used
     *         for memfds' seals); the caller closes it
     */
    public static int take(long pid, int fd) throws CheckpointException {
        int pidfd = check(LibC.INSTANCE.syscall(Syscalls.PIDFD_OPEN, pid, 0, 0), "pidfd_open", pid, fd);
        try {
            return check(LibC.INSTANCE.syscall(Syscalls.PIDFD_GETFD, pidfd, fd, 0), "pidfd_getfd", pid, fd);
        } finally {
            LibC.INSTANCE.close(pidfd);
        }
    }

    private static int check(long rc, String what, long pid, int fd) throws CheckpointException {
        if (rc < 0) {
            String errno = Errno.name(Native.getLastError());
            throw new CheckpointException(String.format("%s for process %d fd %d failed: %s", what, pid, fd, errno),
                    pid, errno, null, null);
        }
        return (int) rc;
    }
}
