package io.quiesce.api.image;

import io.quiesce.api.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The platform's rules for everything that may hold process memory or secrets, for the platform and for backends
 * writing into a staging folder alike: folders 0700, files 0600, small files written to a temporary name, fsynced
 * and renamed so that a reader never sees half a file, and folders fsynced so renames survive a crash.
 */
public final class SecureFiles {
    /** rwx------ */
    public static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    /** rw------- */
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    /**
     * Creates a folder and its missing parents 0700; an existing folder gets its mode tightened to 0700.
     *
     * @param folder the folder
     * @return the folder
     * @throws IOException when it cannot be created
     */
    public static Path folder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            Path parent = folder.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                folder(parent);
            }
            try {
                Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(FOLDER));
            } catch (FileAlreadyExistsException raced) {
                // another thread made it: fine, the mode is set below
            }
        }
        Files.setPosixFilePermissions(folder, FOLDER);
        return folder;
    }

    /**
     * @param file a file's final name
     * @return the hidden temporary sibling it is written under ({@code .NAME.tmp}, like BLCR's {@code --atomic})
     */
    public static Path temporary(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".tmp");
    }

    /**
     * Writes a file 0600 atomically: temporary sibling, fsync, rename, fsync of the folder.
     *
     * @param file    the file
     * @param content its bytes
     * @throws IOException when writing fails; then nothing is left under the temporary name and the old file, if
     *                     any, is untouched
     */
    public static void write(Path file, byte[] content) throws IOException {
        Path tmp = temporary(file);
        Files.deleteIfExists(tmp);
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(FILE))) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            publish(tmp, file);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Renames a fully written and fsynced temporary file to its final name and makes the rename durable.
     *
     * @param tmp  the temporary file
     * @param file the final name (replaced if it exists)
     * @throws IOException when the rename or the folder's fsync fails
     */
    public static void publish(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + tmp + " atomically: " + e.getMessage(), e);
        }
        syncFolder(file.toAbsolutePath().getParent());
    }

    /**
     * Makes a folder's entries (renames, new files) durable.
     *
     * @param folder the folder
     * @throws IOException when the fsync fails
     */
    public static void syncFolder(Path folder) throws IOException {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Checks that a file of an image is a regular file, without following a symbolic link: a FIFO would block the
     * reader forever, a device ({@code /dev/zero}) would never end, a link could point anywhere.
     *
     * @param file the file
     * @return its attributes (size, owner, mode)
     * @throws ImageException when it is missing, a link or not a regular file
     */
    public static PosixFileAttributes regular(Path file) throws ImageException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new ImageException("missing", file);
        } catch (IOException e) {
            throw new ImageException("cannot be read (" + e.getMessage() + ")", file);
        }
        if (!a.isRegularFile()) {
            throw new ImageException("is " + kind(a) + ", not a regular file: refused", file);
        }
        return a;
    }

    /**
     * Reads a whole file of an image, refusing anything but a regular file of at most {@code max} bytes, so that no
     * read can block forever or exhaust memory.
     *
     * @param file the file
     * @param max  the most bytes it may hold
     * @return its bytes
     * @throws ImageException when it is not a regular file, is larger than {@code max}, or cannot be read
     */
    public static byte[] readBounded(Path file, long max) throws ImageException {
        PosixFileAttributes a = regular(file);
        if (a.size() > max) {
            throw new ImageException("is " + a.size() + " bytes, more than the " + max + " such a file may hold", file);
        }
        try (FileChannel ch = openRegular(file)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max + 1, a.size() + 1));
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // read to the end or one byte past the size seen: a file growing meanwhile is refused below
            }
            if (buf.position() > a.size() || buf.position() > max) {
                throw new ImageException("changed while being read", file);
            }
            byte[] b = new byte[buf.position()];
            buf.flip().get(b);
            return b;
        } catch (IOException e) {
            throw new ImageException("cannot be read (" + e.getMessage() + ")", file);
        }
    }

    /**
     * Opens a file of an image for reading: regular files only, never through a symbolic link (O_NOFOLLOW).
     *
     * @param file the file
     * @return a channel on it
     * @throws ImageException when it is not a regular file or cannot be opened
     */
    public static FileChannel openRegular(Path file) throws ImageException {
        regular(file);
        try {
            return FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new ImageException("cannot be opened (" + e.getMessage() + ")", file);
        }
    }

    /**
     * @param a a file's attributes, read without following links
     * @return what it is, for a message
     */
    public static String kind(PosixFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a folder";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        return "a FIFO, socket or device";
    }

    /**
     * Deletes a folder tree; missing is fine.
     *
     * @param folder the tree's root
     * @throws IOException when something cannot be deleted
     */
    public static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var entries = Files.list(folder)) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    deleteTree(p);
                }
            }
        }
        Files.delete(folder);
    }
}
