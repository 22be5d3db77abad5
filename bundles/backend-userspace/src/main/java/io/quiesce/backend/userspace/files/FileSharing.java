package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.pipes.PipeContents;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import com.sun.jna.Native;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds which descriptors of a job refer to the same open file description (dup'ed, or inherited over fork), with
 * kcmp(2) KCMP_FILE from the tracer, and numbers each description once across the job. Two descriptors are only
 * compared when they name the same inode with the same access mode, so the cost stays near one kcmp per shared
 * descriptor.
 */
public final class FileSharing {
    /**
     * One pipe or FIFO of the job: the open file description of each end ({@code 0}: that end is closed in every
     * process), and one descriptor of an end (its reader's when the job holds one, whose bytes are then saved).
     */
    public record Pipe(long inode, int readShare, int writeShare, long holderPid, int holderFd, boolean fifo) {
        /** @return whether the contents can be read through the holder (the job holds a read end) */
        public boolean readable() {
            return readShare != 0;
        }
    }

    /** The job's descriptors with {@link FdImage#share()} set, and its pipes. */
    public record Result(Map<Long, List<FdImage>> fds, List<Pipe> pipes) {
    }

    private FileSharing() {
    }

    /**
     * @param fds every frozen process's descriptors, in job order
     * @return the same descriptors numbered by open file description, and every pipe
     * @throws NotSupportedException naming PID and fd for a pipe whose other end a process outside the job holds, a
     *                               FIFO the job holds for writing only, or a pipe end
     *                               opened twice (through /proc/PID/fd)
     */
    public static Result assign(Map<Long, List<FdImage>> fds) throws CheckpointException {
        record Seen(long pid, FdImage fd) {
        }
        List<Seen> descriptions = new ArrayList<>(); // one representative per description
        Map<Long, List<FdImage>> out = new LinkedHashMap<>();
        Map<Long, List<Seen>> pipeEnds = new LinkedHashMap<>();
        Map<Long, List<Seen>> fifoOpens = new LinkedHashMap<>();
        for (Map.Entry<Long, List<FdImage>> e : fds.entrySet()) {
            long pid = e.getKey();
            List<FdImage> numbered = new ArrayList<>();
            for (FdImage f : e.getValue()) {
                int share = 0;
                for (int i = 0; i < descriptions.size() && share == 0; i++) {
                    Seen d = descriptions.get(i);
                    // one description has one inode and one access mode: compare only candidates that agree
                    if (d.fd().inode() == f.inode() && d.fd().kind().equals(f.kind())
                            && (d.fd().flags() & LibC.O_ACCMODE) == (f.flags() & LibC.O_ACCMODE)
                            && same(d.pid(), d.fd().fd(), pid, f.fd())) {
                        share = i + 1;
                    }
                }
                if (share == 0) {
                    descriptions.add(new Seen(pid, f));
                    share = descriptions.size();
                    if (FdImage.PIPE.equals(f.kind())) {
                        pipeEnds.computeIfAbsent(f.inode(), k -> new ArrayList<>()).add(new Seen(pid, f.withShare(share)));
                    } else if (FdImage.FIFO.equals(f.kind())) {
                        fifoOpens.computeIfAbsent(f.inode(), k -> new ArrayList<>()).add(new Seen(pid, f.withShare(share)));
                    }
                }
                numbered.add(f.withShare(share));
            }
            out.put(pid, numbered);
        }
        List<Pipe> pipes = new ArrayList<>();
        for (Map.Entry<Long, List<Seen>> e : pipeEnds.entrySet()) {
            Seen reader = null;
            Seen writer = null;
            for (Seen s : e.getValue()) {
                if (s.fd().writeEnd() ? writer != null : reader != null) {
                    throw new NotSupportedException(String.format("process %d fd %d (%s): a pipe end opened a second time "
                            + "(through /proc/PID/fd) is not supported yet", s.pid(), s.fd().fd(), s.fd().path()));
                }
                if (s.fd().writeEnd()) {
                    writer = s;
                } else {
                    reader = s;
                }
            }
            if (reader == null || writer == null) {
                // a pipe whose other end was closed everywhere (mpirun's ranks' stdin) comes back with it closed; one whose
                // other end a process outside the job holds cannot be restored
                Seen s = reader == null ? writer : reader;
                if (!PipeContents.otherEndClosed(s.pid(), s.fd().fd(), reader != null)) {
                    throw new NotSupportedException(String.format("process %d fd %d (%s): the %s end of this pipe is held by a "
                            + "process outside the job (a pipe to or from a process outside the job cannot be restored)", s.pid(),
                            s.fd().fd(), s.fd().path(), reader == null ? "read" : "write"));
                }
            }
            Seen holder = reader != null ? reader : writer;
            pipes.add(new Pipe(e.getKey(), reader == null ? 0 : reader.fd().share(), writer == null ? 0 : writer.fd().share(),
                    holder.pid(), holder.fd().fd(), false));
        }
        for (Map.Entry<Long, List<Seen>> e : fifoOpens.entrySet()) {
            Seen reader = e.getValue().stream().filter(s -> s.fd().readable()).findFirst().orElse(null);
            Seen writer = e.getValue().stream().filter(s -> s.fd().writable()).findFirst().orElse(null);
            if (reader == null) {
                // held for writing only: the bytes in it cannot be read without opening it, and are not saved
                Seen s = e.getValue().get(0);
                throw new NotSupportedException(String.format("process %d fd %d (%s): no process of the job has this FIFO open "
                        + "for reading (a FIFO the job only writes to is not supported)", s.pid(), s.fd().fd(), s.fd().path()));
            }
            // held for reading only (mpirun's debugger_attach_fifo): reopened by path, so a writer can open it again
            pipes.add(new Pipe(e.getKey(), reader.fd().share(), writer == null ? 0 : writer.fd().share(), reader.pid(), reader.fd().fd(), true));
        }
        return new Result(out, pipes);
    }

    /** @return true when the two descriptors refer to the same open file description */
    private static boolean same(long pid1, int fd1, long pid2, int fd2) throws CheckpointException {
        long rc = LibC.INSTANCE.syscall(Syscalls.KCMP, pid1, pid2, Syscalls.KCMP_FILE, fd1, fd2);
        if (rc < 0) {
            String errno = Errno.name(-Native.getLastError());
            throw new CheckpointException(String.format("kcmp(KCMP_FILE) of process %d fd %d and process %d fd %d failed: %s",
                    pid1, fd1, pid2, fd2, errno), pid2, errno, null, null);
        }
        return rc == 0;
    }
}
