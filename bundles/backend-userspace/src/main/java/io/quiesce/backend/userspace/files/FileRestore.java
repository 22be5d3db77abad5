package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.PipeImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.pipes.PipeContents;
import io.quiesce.backend.userspace.terminals.Terminals;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Puts saved descriptors back inside a rebuilt process, at their saved numbers. An open file description is
 * created once for the whole job (open by path and lseek, or pipe2 and refill) and every other descriptor of it
 * is a dup2 of the first (same process) or taken over with an injected pidfd_getfd(2) from the rebuilt process that
 * holds it (another process; allowed because both are ours, same credentials, dumpable). The end of a new pipe
 * that this process does not use yet is parked above its highest saved descriptor until every process is rebuilt.
 *
 * <p>Invariant between two descriptors: only descriptors already placed and parked ones are open, so a temporary
 * descriptor (always the lowest free one) never takes a number a later saved descriptor needs for longer than one
 * step.
 */
public final class FileRestore {
    private final long pid;
    private final long nsPid;
    private final List<String> warnings;
    /** The PID the process had when it was checkpointed (0: unknown), for its own /proc files. */
    private long savedPid;
    private final List<String> fallbacks = new java.util.ArrayList<>();

    /**
     * @param pid   the process being rebuilt
     * @param nsPid its PID as processes of its own PID namespace see it (what an injected pidfd_open needs)
     */
    public FileRestore(long pid, long nsPid) {
        this(pid, nsPid, new java.util.ArrayList<>());
    }

    /**
     * @param warnings where state a restart cannot give back (inotify events not read at the checkpoint) is reported
     */
    public FileRestore(long pid, long nsPid, List<String> warnings) {
        this.pid = pid;
        this.nsPid = nsPid;
        this.warnings = warnings;
    }

    /** Closes every descriptor the stub inherited. */
    public void closeAllSeized(SyscallInjector inj, List<Integer> fds) throws CheckpointException {
        for (int fd : fds) {
            inj.call(Syscalls.CLOSE, fd);
        }
    }

    /**
     * @param inj      injector into the process
     * @param fds      saved descriptors
     * @param relocate maps a saved path to the path to open now
     * @param fallback where stdout/stderr go when their saved file cannot be reopened, or null
     * @param table    the job's open file descriptions restored so far; updated
     */
    public void restoreSeized(SyscallInjector inj, List<FdImage> fds, Relocation relocate, Path fallback,
            FileTable table) throws CheckpointException {
        int parkBase = fds.stream().mapToInt(FdImage::fd).max().orElse(2) + 1;
        for (FdImage f : fds) {
            if (FdImage.TTY.equals(f.kind())) {
                continue; // opened once the process has its controlling terminal: see Terminals.sessionSeized
            }
            if (FdImage.SOCKET.equals(f.kind())) {
                continue; // a fabric rebuilds it at this number; see SocketSlots
            }
            FileTable.Holder h = table.holder(f.share());
            if (h != null) {
                takeOverSeized(inj, h, f.fd());
            } else if (FdImage.PIPE.equals(f.kind())) {
                createPipeSeized(inj, f, table, parkBase);
            } else if (Terminals.handles(f)) {
                for (Terminals.Parked p : table.terminals().createPairSeized(inj, pid, f, parkBase)) {
                    table.park(p.share(), pid, nsPid, p.fd());
                }
            } else if (FdImage.FIFO.equals(f.kind())) {
                openFifoSeized(inj, f, relocate, table, parkBase);
            } else if (AnonInodes.handles(f.kind())) {
                moveSeized(inj, AnonInodes.createSeized(inj, pid, f, relocate, warnings), f.fd());
            } else if (FdImage.MEMFD.equals(f.kind())) {
                table.memfds().restoreFdSeized(inj, pid, nsPid, f, parkBase);
            } else {
                openSeized(inj, f, relocate, fallback);
            }
            table.hold(f.share(), pid, nsPid, f.fd());
            if ((FdImage.PIPE.equals(f.kind()) || AnonInodes.handles(f.kind())) && table.firstFlags(f.share())) {
                inj.check("fcntl(F_SETFL) of fd " + f.fd(), Syscalls.FCNTL, f.fd(), Syscalls.F_SETFL, f.flags());
            }
            // dup2 clears close-on-exec and pidfd_getfd sets it: state it in every case
            inj.check("fcntl(F_SETFD) of fd " + f.fd(), Syscalls.FCNTL, f.fd(), Syscalls.F_SETFD,
                    (f.flags() & LibC.O_CLOEXEC) != 0 ? Syscalls.FD_CLOEXEC : 0);
        }
    }

    /** Closes the pipe ends parked in this process; call once every process of the job has its descriptors. */
    public void closeParkedSeized(SyscallInjector inj, FileTable table) throws CheckpointException {
        for (int fd : table.takeParked(pid)) {
            inj.check("close of parked fd " + fd, Syscalls.CLOSE, fd);
        }
    }

    /** @return what the user should know: outputs that went to the fallback because their file was gone */
    public List<String> fallbacks() {
        return List.copyOf(fallbacks);
    }

    private void openSeized(SyscallInjector inj, FdImage f, Relocation relocate, Path fallback)
            throws CheckpointException {
        String path = ownProcFile(relocate.file(f.path(), f.inode()));
        // never create, truncate or take a controlling terminal on reopen; close-on-exec is set afterwards
        int flags = f.flags() & ~(LibC.O_CREAT | LibC.O_TRUNC | LibC.O_EXCL | LibC.O_CLOEXEC) | LibC.O_NOCTTY;
        long tmp = inj.call(Syscalls.OPEN, inj.putPath(path), flags, 0);
        if (tmp < 0 && fallback != null && (f.fd() == 1 || f.fd() == 2)) {
            fallbacks.add(String.format("fd %d of process %d: %s cannot be reopened (%s); its output goes to %s instead", f.fd(),
                    pid, path, Errno.name(tmp), fallback));
            path = fallback.toString();
            tmp = inj.call(Syscalls.OPEN, inj.putPath(path), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0600);
        }
        if (tmp < 0) {
            throw new CheckpointException(String.format("cannot reopen fd %d of process %d (%s): %s", f.fd(), pid, path,
                    Errno.name(tmp)), pid, Errno.name(tmp), Path.of(path), null);
        }
        moveSeized(inj, tmp, f.fd());
        // a directory's offset is the filesystem's opaque getdents cookie, which lseek takes back as it gave it
        if ((FdImage.REGULAR.equals(f.kind()) || FdImage.DIRECTORY.equals(f.kind())) && f.offset() != 0) {
            inj.check("lseek of fd " + f.fd(), Syscalls.LSEEK, f.fd(), f.offset(), Syscalls.SEEK_SET);
        }
    }

    /** Makes {@code fd} refer to the open file description {@code h} holds. */
    void takeOverSeized(SyscallInjector inj, FileTable.Holder h, int fd) throws CheckpointException {
        if (h.pid() == pid) {
            if (h.fd() != fd) {
                inj.check("dup2 of fd " + h.fd() + " to " + fd, Syscalls.DUP2, h.fd(), fd);
            }
            return;
        }
        long got = inj.takeFdSeized(h.nsPid(), h.fd());
        if (got < 0) {
            throw new CheckpointException(String.format("process %d cannot take fd %d of process %d for its fd %d: pidfd_getfd: %s",
                    pid, h.fd(), h.pid(), fd, Errno.name(got)), pid, Errno.name(got), null, null);
        }
        moveSeized(inj, got, fd);
    }

    /** Creates the pipe of this end, parks its other end, and writes the bytes that were in flight. */
    private void createPipeSeized(SyscallInjector inj, FdImage f, FileTable table, int parkBase) throws CheckpointException {
        PipeImage p = table.pipe(f.share(), pid, f.fd());
        inj.check("pipe2 for fd " + f.fd(), Syscalls.PIPE2, inj.scratch() + SyscallInjector.OUT, 0);
        ByteBuffer ends = ByteBuffer.wrap(inj.get(SyscallInjector.OUT, 8)).order(ByteOrder.LITTLE_ENDIAN);
        int r = ends.getInt();
        int w = ends.getInt();
        inj.check("fcntl(F_SETPIPE_SZ, " + p.capacity() + ") for fd " + f.fd(), Syscalls.FCNTL, r, Syscalls.F_SETPIPE_SZ,
                p.capacity());
        boolean writeEnd = f.share() == p.writeShare();
        int mine = writeEnd ? w : r;
        int other = writeEnd ? r : w;
        if ((writeEnd ? p.readShare() : p.writeShare()) == 0) {
            // the other end was closed in every process: the bytes go in through it (a read end's reader gets them,
            // then end-of-file), then it is closed again
            PipeContents.refill(pid, w, table.contents(p));
            inj.check("close of the closed end of fd " + f.fd(), Syscalls.CLOSE, other);
            moveSeized(inj, mine, f.fd());
            return;
        }
        int parkedAt = (int) inj.check("parking the other end of fd " + f.fd(), Syscalls.FCNTL, other, Syscalls.F_DUPFD_CLOEXEC,
                parkBase);
        inj.check("close", Syscalls.CLOSE, other);
        table.park(writeEnd ? p.readShare() : p.writeShare(), pid, nsPid, parkedAt);
        moveSeized(inj, mine, f.fd());
        PipeContents.refill(pid, writeEnd ? f.fd() : parkedAt, table.contents(p));
    }

    /**
     * Opens a FIFO by path without blocking: the first time a FIFO is met, a keeper descriptor opened O_RDWR (a
     * reader and a writer at once, so no open of it blocks or fails with ENXIO) is kept until every process has its
     * descriptors, and the saved bytes are written through it. The descriptor itself is opened non-blocking and then
     * given its saved status flags.
     */
    private void openFifoSeized(SyscallInjector inj, FdImage f, UnaryOperator<String> relocate, FileTable table, int parkBase)
            throws CheckpointException {
        String path = relocate.apply(f.path());
        PipeImage p = table.fifo(f.inode(), pid, f.fd());
        if (table.prime(f.inode())) {
            long keeper = inj.call(Syscalls.OPEN, inj.putPath(path), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            if (keeper < 0) {
                throw new CheckpointException(String.format("cannot reopen FIFO %s for fd %d of process %d: %s", path, f.fd(), pid,
                        Errno.name(keeper)), pid, Errno.name(keeper), Path.of(path), null);
            }
            int kept = (int) inj.check("keeping FIFO " + path + " open", Syscalls.FCNTL, keeper, Syscalls.F_DUPFD_CLOEXEC, parkBase);
            inj.call(Syscalls.CLOSE, keeper);
            table.keep(pid, kept);
            // bytes already in it mean a process outside the job still holds it open (the job's were all closed):
            // writing the saved ones as well would deliver them twice
            inj.check("ioctl(FIONREAD) of FIFO " + path, Syscalls.IOCTL, kept, Syscalls.FIONREAD, inj.scratch() + SyscallInjector.OUT);
            int queued = ByteBuffer.wrap(inj.get(SyscallInjector.OUT, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (queued != 0) {
                throw new CheckpointException(String.format("FIFO %s (fd %d of process %d) already holds %d bytes: a process outside "
                        + "the job holds it open; close it and restart again", path, f.fd(), pid, queued), pid, null, Path.of(path), null);
            }
            inj.check("fcntl(F_SETPIPE_SZ, " + p.capacity() + ") of FIFO " + path, Syscalls.FCNTL, kept, Syscalls.F_SETPIPE_SZ,
                    p.capacity());
            PipeContents.refill(pid, kept, table.contents(p));
        }
        int flags = f.flags() & ~(LibC.O_CREAT | LibC.O_TRUNC | LibC.O_EXCL | LibC.O_CLOEXEC) | LibC.O_NOCTTY | LibC.O_NONBLOCK;
        long tmp = inj.call(Syscalls.OPEN, inj.putPath(path), flags, 0);
        if (tmp < 0) {
            throw new CheckpointException(String.format("cannot reopen FIFO %s as fd %d of process %d: %s", path, f.fd(), pid,
                    Errno.name(tmp)), pid, Errno.name(tmp), Path.of(path), null);
        }
        moveSeized(inj, tmp, f.fd());
        inj.check("fcntl(F_SETFL) of fd " + f.fd(), Syscalls.FCNTL, f.fd(), Syscalls.F_SETFL, f.flags());
    }

    /**
     * A file of the process's own /proc directory (/proc/self/maps reads as /proc/PID/maps with the PID it had) is
     * opened through /proc/self: the open runs inside the rebuilt process, whose PID may differ.
     */
    private String ownProcFile(String path) {
        String own = "/proc/" + savedPid + "/";
        return savedPid > 0 && path.startsWith(own) ? "/proc/self/" + path.substring(own.length()) : path;
    }

    /** @return this, knowing the PID the process had at checkpoint */
    public FileRestore savedPid(long pid) {
        this.savedPid = pid;
        return this;
    }

    /** Moves a temporary descriptor to its saved number. */
    private void moveSeized(SyscallInjector inj, long tmp, int fd) throws CheckpointException {
        if (tmp != fd) {
            inj.check("dup2 to fd " + fd, Syscalls.DUP2, tmp, fd);
            inj.call(Syscalls.CLOSE, tmp);
        }
    }
}
