package io.quiesce.api.image;

import io.quiesce.api.ImageException;
import java.nio.file.Path;
import java.util.List;

/**
 * The description of one committed checkpoint, written last into its folder.
 *
 * @param magic         always {@link ImageFormat#MAGIC}
 * @param formatVersion the image format version, {@link ImageFormat#VERSION} when written by this platform
 * @param jobId         the job's ID
 * @param jobName       the job's name
 * @param argv          the command the job was launched with
 * @param epoch         the checkpoint's epoch within the job
 * @param created       when it was committed (ISO-8601)
 * @param backend       the name of the backend that wrote the processes; restart routes to it
 * @param fabrics       the fabrics that drained the job
 * @param hosts         what was saved on each host
 * @param bytes         total image bytes
 * @param warnings      what the user should know about this image
 */
public record Manifest(String magic, int formatVersion, String jobId, String jobName, List<String> argv, long epoch,
        String created, String backend, List<String> fabrics, List<HostRecord> hosts, long bytes, List<String> warnings) {

    /** Copies the lists, treating missing ones as empty. */
    public Manifest {
        argv = argv == null ? List.of() : List.copyOf(argv);
        fabrics = fabrics == null ? List.of() : List.copyOf(fabrics);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /**
     * Checks that this manifest is one this platform can read.
     *
     * @param file the manifest file, named in the error
     * @return this manifest
     * @throws ImageException when the magic or the format version is wrong, or a required field is missing
     */
    public Manifest check(Path file) throws ImageException {
        if (!ImageFormat.MAGIC.equals(magic)) {
            throw new ImageException("not a Quiesce checkpoint manifest (magic " + quote(magic) + ", expected "
                    + quote(ImageFormat.MAGIC) + ")", file);
        }
        if (formatVersion != ImageFormat.VERSION) {
            throw new ImageException("image format version " + formatVersion + " is not supported (this platform reads version "
                    + ImageFormat.VERSION + ")", file);
        }
        if (jobId == null || jobId.isBlank()) {
            throw new ImageException("manifest has no job ID", file);
        }
        if (backend == null || backend.isBlank()) {
            throw new ImageException("manifest does not name the backend that wrote it", file);
        }
        if (epoch < 1) {
            throw new ImageException("manifest has an invalid epoch " + epoch, file);
        }
        return this;
    }

    private static String quote(String s) {
        return s == null ? "none" : "\"" + s + "\"";
    }
}
