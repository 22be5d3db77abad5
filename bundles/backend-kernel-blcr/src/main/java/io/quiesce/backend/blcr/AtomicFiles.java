package io.quiesce.backend.blcr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The platform's rules for files in a checkpoint: created 0600 under a temporary name, fsynced, renamed into place,
 * and the folder fsynced, so that a reader never sees half a file and a crash never leaves one under the real name.
 */
final class AtomicFiles {
    /** Mode of every file this backend writes: it may hold process memory or secrets. */
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private AtomicFiles() {
    }

    /**
     * @param file a file's final name
     * @return the temporary sibling it is written under, hidden like BLCR's {@code --atomic} {@code .context.ID.tmp}
     */
    static Path temporary(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".tmp");
    }

    /**
     * Writes a small file atomically.
     *
     * @param file    the final name
     * @param content its bytes
     * @throws IOException when any step fails; nothing is left under either name then
     */
    static void write(Path file, byte[] content) throws IOException {
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
     * @param file the final name
     * @throws IOException when the rename or the folder's fsync fails
     */
    static void publish(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + tmp + " atomically: " + e.getMessage(), e);
        }
        syncFolder(file.toAbsolutePath().getParent());
    }

    /**
     * @param folder a folder whose entries (new files, renames) must reach the disk
     * @throws IOException when the fsync fails
     */
    static void syncFolder(Path folder) throws IOException {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
