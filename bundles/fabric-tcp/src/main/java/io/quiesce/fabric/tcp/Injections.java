package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.SyscallInjection;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few calls that must run inside a stopped job process (creating a socket in its descriptor table, accept,
 * moving a descriptor to its saved number, close), through the backend's {@link SyscallInjection}; and duplicates
 * of its descriptors for everything else. One injection scope per process, opened on first use.
 */
final class Injections implements AutoCloseable {
    private static final int F_DUPFD_CLOEXEC = 1030;

    private final Map<Long, SyscallInjection.Scope> scopes = new LinkedHashMap<>();
    private final Map<Long, Integer> pidfds = new LinkedHashMap<>();

    /** Runs a call in the process; a failure names the call, process and errno. */
    long call(FrozenProcess p, String what, int nr, long... args) throws CheckpointException {
        long r = scope(p).syscall(nr, args);
        if (r < 0 && r > -4096) {
            throw new CheckpointException("fabric 'tcp': " + what + " in process " + p.pid() + " failed: " + Errno.name(-r), p.pid(),
                    Errno.name(-r), null, null);
        }
        return r;
    }

    /** @return a new stream socket in the process, moved to a number at or above {@code min} (clear of saved slots) */
    int socket(FrozenProcess p, int family, int min) throws CheckpointException {
        return socket(p, family, Net.SOCK_STREAM, min);
    }

    /** @return a new socket of {@code type} in the process, at or above {@code min} */
    int socket(FrozenProcess p, int family, int type, int min) throws CheckpointException {
        int fd = (int) call(p, "socket(" + family + ", " + type + ")", Net.SYS_SOCKET, family, type, 0);
        return raise(p, fd, min);
    }

    /**
     * bind(2) run in the process, so that a Unix socket file is created with its credentials and umask.
     *
     * @return 0, or the errno
     */
    int bind(FrozenProcess p, int fd, byte[] address) throws CheckpointException {
        SyscallInjection.Scope s = scope(p);
        if (address.length > s.scratchSize()) {
            throw new CheckpointException("fabric 'tcp': an address of " + address.length + " bytes does not fit the scratch area");
        }
        s.write(s.scratch(), address);
        long r = s.syscall(Net.SYS_BIND, fd, s.scratch(), address.length);
        return r < 0 && r > -4096 ? (int) -r : 0;
    }

    /** Moves a descriptor to the lowest free number at or above {@code min} (close-on-exec). */
    int raise(FrozenProcess p, int fd, int min) throws CheckpointException {
        if (fd >= min) {
            return fd;
        }
        int moved = (int) call(p, "fcntl(" + fd + ", F_DUPFD_CLOEXEC)", Net.SYS_FCNTL, fd, F_DUPFD_CLOEXEC, min);
        call(p, "close(" + fd + ")", Net.SYS_CLOSE, fd);
        return moved;
    }

    /** Puts descriptor {@code fd} at number {@code target} (dup2 + close, skipped when it already is: facts pitfall 6). */
    void place(FrozenProcess p, int fd, int target) throws CheckpointException {
        if (fd == target) {
            return;
        }
        call(p, "dup2(" + fd + ", " + target + ")", Net.SYS_DUP2, fd, target);
        call(p, "close(" + fd + ")", Net.SYS_CLOSE, fd);
    }

    void close(FrozenProcess p, int fd) throws CheckpointException {
        call(p, "close(" + fd + ")", Net.SYS_CLOSE, fd);
    }

    void cloexec(FrozenProcess p, int fd, boolean on) throws CheckpointException {
        call(p, "fcntl(" + fd + ", F_SETFD)", Net.SYS_FCNTL, fd, Net.F_SETFD, on ? Net.FD_CLOEXEC : 0);
    }

    /** @return a duplicate, in this JVM, of the process's descriptor */
    Sock take(FrozenProcess p, int fd) throws CheckpointException {
        try {
            Integer pidfd = pidfds.get(p.pid());
            if (pidfd == null) {
                pidfd = Sock.pidfd(p.pid());
                pidfds.put(p.pid(), pidfd);
            }
            return Sock.take(pidfd, fd);
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': process " + p.pid() + " fd " + fd + ": " + e.getMessage(), p.pid(), null, null, e);
        }
    }

    private SyscallInjection.Scope scope(FrozenProcess p) throws CheckpointException {
        SyscallInjection.Scope s = scopes.get(p.pid());
        if (s == null) {
            SyscallInjection inj = p.facility(SyscallInjection.class).orElseThrow(() -> new NotSupportedException(
                    "fabric 'tcp' needs a backend that can inject system calls (process " + p.pid() + ")"));
            s = inj.open();
            scopes.put(p.pid(), s);
        }
        return s;
    }

    /** Ends every injection scope (registers put back) and closes the pidfds; the first failure is thrown. */
    @Override
    public void close() throws CheckpointException {
        CheckpointException first = null;
        for (SyscallInjection.Scope s : scopes.values()) {
            try {
                s.close();
            } catch (CheckpointException e) {
                first = first == null ? e : first;
            }
        }
        scopes.clear();
        pidfds.values().forEach(Net.INSTANCE::close);
        pidfds.clear();
        if (first != null) {
            throw first;
        }
    }
}
