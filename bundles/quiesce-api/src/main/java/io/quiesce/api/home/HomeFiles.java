package io.quiesce.api.home;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Trust rules for the platform's home, store and deploy folders and the files in them.
 *
 * <p>A folder is trusted when it is a real folder (not a symbolic link) owned by the user the platform runs as and
 * not writable by group or others, and every folder above it is owned by that user or root and is not writable by
 * group or others unless it is sticky (as {@code /tmp}): then no other user can add, remove or replace anything in
 * it, and paths inside it mean what they meant when checked. A folder the platform creates is made 0700; an
 * existing trusted one is tightened to 0700 (it is ours). Anything else is refused with a message naming the path,
 * its owner and its mode; nothing of another user is ever chmodded.
 *
 * <p>Files are opened without following symbolic links ({@code O_NOFOLLOW}) and must be regular files owned by the
 * platform's user; a secret (the control token) must also be inaccessible to group and others. Reads are bounded.
 * All methods are thread-safe.
 */
public final class HomeFiles {
    private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int GROUP_OTHER_ANY = 0077;
    private static final int STICKY = 01000;

    private HomeFiles() {
    }

    /** @return the effective user ID of this process (the owner of {@code /proc/self}) */
    public static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException("cannot tell this process's user from /proc/self: " + e.getMessage(), e);
        }
    }

    /**
     * Checks a folder tree's root (the home, or a configured store) and every folder above it, creating it 0700 when
     * it is missing.
     *
     * @param folder the folder
     * @return its real path (symbolic links above it resolved), which callers use from then on
     * @throws IOException naming the path, owner and mode of what is refused, or when it cannot be created
     */
    public static Path root(Path folder) throws IOException {
        Path abs = folder.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IOException("refusing " + abs + " as a platform folder");
        }
        if (!Files.isDirectory(parent)) {
            root(parent);
        }
        Path realParent = parent.toRealPath();
        int me = uid();
        for (Path p = realParent; p != null; p = p.getParent()) {
            int mode = mode(p);
            if ((uidOf(p) != me && uidOf(p) != 0) || ((mode & GROUP_OTHER_WRITE) != 0 && (mode & STICKY) == 0)) {
                throw refused(abs, p, "a folder above it", me);
            }
        }
        return folder(realParent.resolve(abs.getFileName()));
    }

    /**
     * Checks a folder inside a trusted one, creating it 0700 when it is missing.
     *
     * @param folder the folder
     * @return the folder
     * @throws IOException naming the path, owner and mode when it is a symbolic link, not a folder, owned by another
     *                     user or writable by group or others
     */
    public static Path folder(Path folder) throws IOException {
        try {
            Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(FOLDER));
            Files.setPosixFilePermissions(folder, FOLDER); // the umask may have taken bits off, never added any
            return folder;
        } catch (FileAlreadyExistsException exists) {
            // checked below
        }
        int me = uid();
        if (Files.isSymbolicLink(folder)) {
            throw new IOException("refusing " + folder + ": it is a symbolic link (to " + Files.readSymbolicLink(folder)
                    + "); the platform's folders must be real folders of user " + me);
        }
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("refusing " + folder + ": it is not a folder");
        }
        PosixFileAttributes a = attributes(folder);
        if (uidOf(folder) != me || (mode(folder) & GROUP_OTHER_WRITE) != 0) {
            throw refused(folder, folder, null, me);
        }
        if (!a.permissions().equals(FOLDER)) {
            Files.setPosixFilePermissions(folder, FOLDER); // ours: tighten it
        }
        return folder;
    }

    /**
     * Reads a small file of the platform's without following a symbolic link.
     *
     * @param file     the file
     * @param maxBytes the most it may hold
     * @param secret   true when group and others must have no access to it (the token)
     * @return its bytes
     * @throws NoSuchFileException when it does not exist
     * @throws IOException         naming the file when it is a link, not a regular file, another user's, too open for a
     *                             secret or larger than {@code maxBytes}
     */
    public static byte[] read(Path file, int maxBytes, boolean secret) throws IOException {
        check(file, secret);
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buf = ByteBuffer.allocate(maxBytes + 1);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // bounded by the buffer
            }
            if (buf.position() > maxBytes) {
                throw new IOException("refusing " + file + ": larger than " + maxBytes + " bytes");
            }
            return Arrays.copyOf(buf.array(), buf.position());
        } catch (FileSystemException e) {
            throw new IOException("cannot open " + file + " (without following links): " + e.getMessage(), e);
        }
    }

    /**
     * Checks an existing file of the platform's before it is opened: the checks of {@link #read}, without reading.
     * The type is checked first, so that a FIFO planted in its place cannot block the open.
     *
     * @param file   the file
     * @param secret true when group and others must have no access to it
     * @throws NoSuchFileException when it does not exist
     * @throws IOException         naming the file when it is refused
     */
    public static void check(Path file, boolean secret) throws IOException {
        int me = uid();
        PosixFileAttributes a = attributes(file);
        if (a.isSymbolicLink()) {
            throw new IOException("refusing " + file + ": it is a symbolic link (to " + Files.readSymbolicLink(file) + ")");
        }
        if (!a.isRegularFile()) {
            throw new IOException("refusing " + file + ": it is not a regular file");
        }
        if (uidOf(file) != me || (secret && (mode(file) & GROUP_OTHER_ANY) != 0)) {
            throw new IOException("refusing " + file + ": owned by " + owner(file) + " with mode " + octal(mode(file))
                    + "; expected a file of user " + me + (secret ? " with mode 0600" : ""));
        }
    }

    private static PosixFileAttributes attributes(Path p) throws IOException {
        return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String owner(Path p) throws IOException {
        return attributes(p).owner().getName() + " (uid " + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ")";
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }

    private static IOException refused(Path what, Path culprit, String where, int me) throws IOException {
        return new IOException("refusing " + what + (where == null ? "" : ": " + where + ", " + culprit + ",") + " is owned by "
                + owner(culprit) + " with mode " + octal(mode(culprit)) + "; the platform (user " + me + ") uses only folders "
                + (where == null ? "it owns" : "owned by it or root") + " that group and others cannot write"
                + (where == null ? "" : " (or sticky, like /tmp)"));
    }

    private static int uidOf(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
