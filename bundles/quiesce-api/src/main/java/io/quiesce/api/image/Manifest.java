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
 * @param files         every other file of the checkpoint folder with its size and SHA-256 (format 2; empty in
 *                      format 1, which recorded none)
 */
public record Manifest(String magic, int formatVersion, String jobId, String jobName, List<String> argv, long epoch,
        String created, String backend, List<String> fabrics, List<HostRecord> hosts, long bytes, List<String> warnings,
        List<FileDigest> files) {

    /** Largest epoch accepted. */
    public static final long MAX_EPOCH = 1L << 40;

    /** Copies the lists, treating missing ones as empty; a list with a null element is kept as given for check to refuse. */
    public Manifest {
        argv = copy(argv);
        fabrics = copy(fabrics);
        hosts = copy(hosts);
        warnings = copy(warnings);
        files = copy(files);
    }

    /** A manifest without file digests (as written before format 2; {@link #withFiles} adds them). */
    public Manifest(String magic, int formatVersion, String jobId, String jobName, List<String> argv, long epoch,
            String created, String backend, List<String> fabrics, List<HostRecord> hosts, long bytes, List<String> warnings) {
        this(magic, formatVersion, jobId, jobName, argv, epoch, created, backend, fabrics, hosts, bytes, warnings, null);
    }

    /**
     * @param digests the checkpoint's files
     * @return this manifest in the current format for its layout (3 with host part folders, 2 for one host's files
     *         at the top of the folder), listing them
     */
    public Manifest withFiles(List<FileDigest> digests) {
        // hosts with part folders are format 3; one host whose files lie at the top is the sealed flat format 2
        boolean flat = !hosts.isEmpty() && hosts.stream().allMatch(h -> h != null && h.folder() == null);
        return new Manifest(magic, flat ? ImageFormat.VERSION_FLAT : ImageFormat.VERSION, jobId, jobName, argv, epoch, created, backend,
                fabrics, hosts, bytes, warnings, digests);
    }

    private static <T> List<T> copy(List<T> list) {
        if (list == null) {
            return List.of();
        }
        return list.stream().anyMatch(java.util.Objects::isNull) ? java.util.Collections.unmodifiableList(new java.util.ArrayList<>(list))
                : List.copyOf(list);
    }

    /**
     * Checks that this manifest is one this platform can read.
     *
     * @param file the manifest file, named in the error
     * @return this manifest
     * @throws ImageException when the magic or the format version is wrong, or a field is missing or invalid (the
     *                        message names the file and the field)
     */
    public Manifest check(Path file) throws ImageException {
        if (!ImageFormat.MAGIC.equals(magic)) {
            throw new ImageException("not a Quiesce checkpoint manifest (magic " + quote(magic) + ", expected "
                    + quote(ImageFormat.MAGIC) + ")", file);
        }
        if (!ImageFormat.readable(formatVersion)) {
            throw new ImageException("image format version " + formatVersion + " is not supported (this platform reads versions "
                    + ImageFormat.readableVersions() + ")", file);
        }
        if (jobId == null || jobId.isBlank()) {
            throw new ImageException("manifest has no job ID", file);
        }
        ImageFields.id(jobId, "jobId", file);
        ImageFields.id(jobName, "jobName", file);
        if (backend == null || backend.isBlank()) {
            throw new ImageException("manifest does not name the backend that wrote it", file);
        }
        ImageFields.id(backend, "backend", file);
        if (epoch < 1 || epoch > MAX_EPOCH) {
            throw new ImageException("manifest has an invalid epoch " + epoch, file);
        }
        ImageFields.range(bytes, Long.MAX_VALUE, "bytes", file);
        try {
            java.time.Instant.parse(ImageFields.present(created, "created", file));
        } catch (java.time.format.DateTimeParseException e) {
            throw new ImageException("field 'created' is not an ISO-8601 instant (" + ImageFields.quote(created) + ")", file);
        }
        noNulls(argv, "argv", file);
        noNulls(warnings, "warnings", file);
        for (String f : noNulls(fabrics, "fabrics", file)) {
            ImageFields.id(f, "fabrics", file);
        }
        java.util.Set<String> folders = new java.util.HashSet<>();
        for (HostRecord h : noNulls(hosts, "hosts", file)) {
            for (String f : noNulls(h.files(), "hosts.files", file)) {
                ImageFields.relative(f, "hosts.files", file);
            }
            noNulls(h.processes(), "hosts.processes", file);
            if (formatVersion >= 3) {
                ImageFields.id(ImageFields.present(h.folder(), "hosts.folder", file), "hosts.folder", file);
                if (!folders.add(h.folder())) {
                    throw new ImageException("field 'hosts.folder' names " + ImageFields.quote(h.folder()) + " for two hosts", file);
                }
            } else if (h.folder() != null) {
                throw new ImageException("field 'hosts.folder' is set in a format " + formatVersion + " manifest, which has none", file);
            } else if (hosts.size() > 1) {
                throw new ImageException("a format " + formatVersion + " manifest lists " + hosts.size() + " hosts; it holds one", file);
            }
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (FileDigest d : noNulls(files, "files", file)) {
            ImageFields.relative(d.name(), "files.name", file);
            ImageFields.range(d.size(), Long.MAX_VALUE, "files.size", file);
            if (d.sha256() == null || !d.sha256().matches("[0-9a-f]{64}")) {
                throw new ImageException("field 'files.sha256' of " + ImageFields.quote(d.name()) + " is not a SHA-256 in hex", file);
            }
            if (!seen.add(d.name())) {
                throw new ImageException("field 'files' lists " + ImageFields.quote(d.name()) + " twice", file);
            }
        }
        return this;
    }

    private static <T> List<T> noNulls(List<T> list, String field, Path file) throws ImageException {
        if (list.stream().anyMatch(java.util.Objects::isNull)) {
            throw new ImageException("field '" + field + "' has an element that is missing (JSON null)", file);
        }
        return list;
    }

    private static String quote(String s) {
        return s == null ? "none" : "\"" + s + "\"";
    }
}
