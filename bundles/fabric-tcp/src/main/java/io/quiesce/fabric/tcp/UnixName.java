package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.FrozenProcess;
import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a rebuilt Unix socket to its saved name: a path, or an abstract {@code @name}. The bind runs inside the
 * process (injected), so a socket file is created with the process's own credentials and umask, as the original.
 *
 * <p>A path normally still exists at restart: the socket file of a dead process stays on disk. It is removed only if
 * it is a socket file (lstat, no link followed) that nobody is bound to (a connect of the same type is refused with
 * ECONNREFUSED), and only if it is still the same file right before the unlink; anything else at the path (a regular
 * file, a directory, a link, a socket in use) is never touched and the restart fails, naming it.
 */
final class UnixName {
    private static final Logger LOG = LoggerFactory.getLogger(UnixName.class);
    private static final int S_IFMT = 0170000, S_IFSOCK = 0140000;

    private UnixName() {
    }

    /**
     * @param fd the socket's number in {@code p}
     * @param k  this JVM's duplicate of it
     */
    static void bind(Injections inj, FrozenProcess p, int fd, SocketImage s, Sock k) throws CheckpointException {
        String name = s.name();
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1).length;
        if (!name.startsWith("@")) {
            // an image field used as a path: absolute, normal, short enough for sun_path (with its NUL)
            if (!name.startsWith("/") || name.indexOf('\0') >= 0 || bytes > 107 || !Path.of(name).normalize().toString().equals(name)) {
                throw new CheckpointException("fabric 'tcp': the saved Unix path '" + name + "' of " + Rebuild.what(s)
                        + " is not an absolute, normal path of at most 107 bytes");
            }
            clearStale(Path.of(name), s);
        } else if (bytes > 108) {
            throw new CheckpointException("fabric 'tcp': the saved abstract Unix name of " + Rebuild.what(s) + " is longer than 107 bytes");
        }
        int e = inj.bind(p, fd, io.quiesce.fabric.tcp.linux.SockAddr.encode(Net.AF_UNIX, name));
        if (e != 0) {
            throw new CheckpointException("fabric 'tcp': the Unix address " + name + " of " + Rebuild.what(s) + " is taken (" + Errno.name(e)
                    + "); free it and restart again", p.pid(), Errno.name(e), name.startsWith("@") ? null : Path.of(name), null);
        }
    }

    private static void clearStale(Path path, SocketImage s) throws CheckpointException {
        Object key;
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            key = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return; // free
        } catch (IOException | UnsupportedOperationException e) {
            throw refuse(path, s, "cannot be examined: " + e.getMessage());
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw refuse(path, s, "exists and is not a socket file; it was not touched");
        }
        int rc;
        try (Sock probe = Sock.open(Net.AF_UNIX, s.sockType())) {
            rc = probe.connect(Net.AF_UNIX, path.toString());
        } catch (IOException e) {
            throw refuse(path, s, "cannot be probed: " + e.getMessage());
        }
        if (rc != Net.ECONNREFUSED) {
            throw refuse(path, s, rc == 0 || rc == Net.EAGAIN ? "is a socket in use by another process; it was not touched"
                    : "is a socket file that could not be probed (connect: " + Errno.name(rc) + "); it was not touched");
        }
        try {
            if (!key.equals(Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                throw refuse(path, s, "changed while it was being examined; it was not touched");
            }
            Files.delete(path);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw refuse(path, s, "is a stale socket file that cannot be removed: " + e.getMessage());
        }
        LOG.info("tcp: removed the stale socket file {} (nobody was bound to it) to bind {} again", path, Rebuild.what(s));
    }

    private static CheckpointException refuse(Path path, SocketImage s, String why) {
        return new CheckpointException("fabric 'tcp': cannot bind " + Rebuild.what(s) + " again: " + path + " " + why, s.pid(), null, path, null);
    }
}
