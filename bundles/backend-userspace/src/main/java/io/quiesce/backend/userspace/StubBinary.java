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
 * build time) and the job init at {@value #INIT_RESOURCE} (src/main/c/quiesce-init.c), extracted to a private
 * folder (0700) and made executable, since a process cannot be spawned from inside a jar.
 */
final class StubBinary implements AutoCloseable {
    static final String RESOURCE = "/stub/quiesce-stub";
    static final String INIT_RESOURCE = "/stub/quiesce-init";

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
        try {
            var attr = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Path folder = parent == null ? Files.createTempDirectory("quiesce-stub-", attr)
                    : Files.createTempDirectory(Files.createDirectories(parent), "quiesce-stub-", attr);
            return new StubBinary(folder, copy(RESOURCE, folder.resolve("quiesce-stub")));
        } catch (IOException e) {
            throw new CheckpointException("cannot extract the restore stub: " + e.getMessage(), e);
        }
    }

    private static Path copy(String resource, Path file) throws IOException, CheckpointException {
        try (InputStream in = StubBinary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new CheckpointException(resource + " is missing from the bundle (built without gcc?)");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
            return file;
        }
    }

    /** @return the executable */
    Path path() {
        return file;
    }

    /** @return the job init, extracted on first use next to the stub */
    synchronized Path initPath() throws CheckpointException {
        Path init = folder.resolve("quiesce-init");
        if (!Files.exists(init)) {
            try {
                copy(INIT_RESOURCE, init);
            } catch (IOException e) {
                throw new CheckpointException("cannot extract the job init: " + e.getMessage(), e);
            }
        }
        return init;
    }

    /** Deletes the extracted copy (restored processes keep running: the kernel holds their executable). */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(folder.resolve("quiesce-init"));
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // a temp file left behind is harmless
        }
    }
}
