package io.quiesce.backend.blcr;

import io.quiesce.api.image.SecureFiles;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.blcr.linux.LibC;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A BLCR context file being written. The kernel writes to a descriptor, so the file is opened with open(2)
 * ({@code O_CREAT|O_EXCL}, mode 0600) under its temporary name; {@link #commit()} fsyncs, closes and renames it like
 * {@code cr_checkpoint --atomic --sync}; {@link #discard()} leaves nothing behind.
 */
final class ContextFile {
    private final Path file;
    private final Path tmp;
    private int fd;

    private ContextFile(Path file, Path tmp, int fd) {
        this.file = file;
        this.tmp = tmp;
        this.fd = fd;
    }

    /**
     * @param file the context file's final name
     * @return the file, open for writing under its temporary name
     * @throws CheckpointException when it cannot be created (names the file and errno)
     */
    static ContextFile create(Path file) throws CheckpointException {
        Path tmp = SecureFiles.temporary(file);
        try {
            Files.deleteIfExists(tmp); // left by a crashed run; the staging folder is ours alone
        } catch (IOException e) {
            throw new CheckpointException("cannot remove stale " + tmp + ": " + e.getMessage(), -1, null, tmp, e);
        }
        int fd = LibC.INSTANCE.open(tmp.toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0600);
        if (fd < 0) {
            String errno = Errno.name(Native.getLastError());
            throw new CheckpointException("cannot create context file " + tmp + ": " + errno, -1, errno, tmp, null);
        }
        return new ContextFile(file, tmp, fd);
    }

    /** @return the descriptor BLCR writes to */
    int fd() {
        return fd;
    }

    /** @return the final name */
    Path file() {
        return file;
    }

    /**
     * Makes the written context durable under its final name.
     *
     * @return its size in bytes
     * @throws CheckpointException when fsync, close or rename fails; the temporary file is removed then
     */
    long commit() throws CheckpointException {
        try {
            if (LibC.INSTANCE.fsync(fd) != 0) {
                String errno = Errno.name(Native.getLastError());
                throw new CheckpointException("cannot fsync context file " + tmp + ": " + errno, -1, errno, tmp, null);
            }
            int rc = LibC.INSTANCE.close(fd);
            fd = -1;
            if (rc != 0) {
                String errno = Errno.name(Native.getLastError());
                throw new CheckpointException("cannot close context file " + tmp + ": " + errno, -1, errno, tmp, null);
            }
            long size = Files.size(tmp);
            SecureFiles.publish(tmp, file);
            return size;
        } catch (IOException e) {
            discard();
            throw new CheckpointException("cannot commit context file " + file + ": " + e.getMessage(), -1, null, file, e);
        } catch (CheckpointException e) {
            discard();
            throw e;
        }
    }

    /** Closes the descriptor, if open, and deletes the temporary file. Never throws. */
    void discard() {
        if (fd >= 0) {
            LibC.INSTANCE.close(fd);
            fd = -1;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // the platform deletes the whole staging folder on abort anyway
        }
    }
}
