package io.quiesce.api;

import java.util.List;

/**
 * What a backend wrote for one host.
 *
 * @param bytes     total bytes written into the staging folder
 * @param files     the files written, relative to the staging folder
 * @param processes the saved processes' PIDs
 * @param warnings  things the user should know (e.g. PIDs that will not be restored exactly); never null
 * @param records   what was saved of each process (mappings, descriptors), for the manifest and {@code inspect};
 *                  may be empty when a backend cannot tell (BLCR's context files are opaque)
 * @param digests   SHA-256 (hex) of files the backend hashed while writing them, by name: the platform lists them
 *                  in the manifest without reading those files again; the others it hashes at commit. Never null
 */
public record DumpResult(long bytes, List<String> files, List<Long> processes, List<String> warnings,
        List<io.quiesce.api.image.ProcessRecord> records, java.util.Map<String, String> digests) {
    /** Copies the lists so the result cannot change afterwards. */
    public DumpResult {
        files = List.copyOf(files);
        processes = List.copyOf(processes);
        warnings = List.copyOf(warnings);
        records = records == null ? List.of() : List.copyOf(records);
        digests = digests == null ? java.util.Map.of() : java.util.Map.copyOf(digests);
    }

    /** A result without digests: the platform hashes every file at commit. */
    public DumpResult(long bytes, List<String> files, List<Long> processes, List<String> warnings,
            List<io.quiesce.api.image.ProcessRecord> records) {
        this(bytes, files, processes, warnings, records, null);
    }

    /**
     * A result without per-process records.
     *
     * @param bytes     total bytes written
     * @param files     the files written
     * @param processes the saved processes' PIDs
     * @param warnings  things the user should know
     */
    public DumpResult(long bytes, List<String> files, List<Long> processes, List<String> warnings) {
        this(bytes, files, processes, warnings, List.of());
    }
}
