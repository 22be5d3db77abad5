package io.quiesce.backend.userspace;

import io.quiesce.api.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The restore stub shipped in the bundle at {@value #RESOURCE} (built from src/main/c/quiesce-stub.c by gcc at
 * build time), extracted to a private folder (0700) and made executable, since a process cannot be spawned from
 * inside a jar.
 */
final class StubBinary implements AutoCloseable {
    static final String RESOURCE = "/stub/quiesce-stub";

    private final Path folder;
    private final Path file;

    private StubBinary(Path folder, Path file) {
        this.folder = folder;
        this.file = file;
    }

    /**
     * Extracts the stub into a new private folder.
     *
     * @param parent where to create that folder (the bundle's data area), or null for the temporary-file folder
     */
    static StubBinary extract(Path parent) throws CheckpointException {
        try (InputStream in = StubBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new CheckpointException("the restore stub " + RESOURCE + " is missing from the bundle (built without gcc?)");
            }
            var attr = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Path folder = parent == null ? Files.createTempDirectory("quiesce-stub-", attr)
                    : Files.createTempDirectory(Files.createDirectories(parent), "quiesce-stub-", attr);
            Path file = folder.resolve("quiesce-stub");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
            return new StubBinary(folder, file);
        } catch (IOException e) {
            throw new CheckpointException("cannot extract the restore stub: " + e.getMessage(), e);
        }
    }

    /** @return the executable */
    Path path() {
        return file;
    }

    /** Deletes the extracted copy (restored processes keep running: the kernel holds their executable). */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // a temp file left behind is harmless
        }
    }
}
