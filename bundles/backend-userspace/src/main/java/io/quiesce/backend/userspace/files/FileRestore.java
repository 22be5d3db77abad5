package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Reopens saved descriptors inside a rebuilt process: open by path, dup2 to the saved number, close-on-exec,
 * and the saved offset.
 */
public final class FileRestore {
    private final long pid;

    /** @param pid the process being rebuilt */
    public FileRestore(long pid) {
        this.pid = pid;
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
     */
    public void restoreSeized(SyscallInjector inj, List<FdImage> fds, UnaryOperator<String> relocate, Path fallback)
            throws CheckpointException {
        for (FdImage f : fds) {
            String path = relocate.apply(f.path());
            // never create, truncate or take a controlling terminal on reopen; close-on-exec is set below
            int flags = f.flags() & ~(LibC.O_CREAT | LibC.O_TRUNC | LibC.O_EXCL | LibC.O_CLOEXEC) | LibC.O_NOCTTY;
            long tmp = inj.call(Syscalls.OPEN, inj.putPath(path), flags, 0);
            if (tmp < 0 && fallback != null && (f.fd() == 1 || f.fd() == 2)) {
                path = fallback.toString();
                tmp = inj.call(Syscalls.OPEN, inj.putPath(path), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0600);
            }
            if (tmp < 0) {
                throw new CheckpointException(String.format("cannot reopen fd %d of process %d (%s): %s", f.fd(), pid, path,
                        Errno.name(tmp)), pid, Errno.name(tmp), Path.of(path), null);
            }
            if (tmp != f.fd()) {
                inj.check("dup2 of fd " + f.fd(), Syscalls.DUP2, tmp, f.fd());
                inj.call(Syscalls.CLOSE, tmp);
            }
            if ((f.flags() & LibC.O_CLOEXEC) != 0) {
                inj.check("fcntl(F_SETFD) of fd " + f.fd(), Syscalls.FCNTL, f.fd(), Syscalls.F_SETFD, Syscalls.FD_CLOEXEC);
            }
            if (FdImage.REGULAR.equals(f.kind()) && f.offset() != 0) {
                inj.check("lseek of fd " + f.fd(), Syscalls.LSEEK, f.fd(), f.offset(), Syscalls.SEEK_SET);
            }
        }
    }
}
