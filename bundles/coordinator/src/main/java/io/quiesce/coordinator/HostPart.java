package io.quiesce.coordinator;

import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.HostRecord;
import java.util.List;
import java.util.Map;

/**
 * One host's vote in a checkpoint: its part is written and durable in staging. The coordinator commits the
 * checkpoint only when every host voted.
 *
 * @param record   what the host saved, files relative to the checkpoint folder (inside the host's part folder)
 * @param bytes    image bytes written
 * @param digests  SHA-256 (hex) of files hashed while writing, by name relative to the checkpoint folder
 * @param warnings what the user should know about this host's part
 * @param files    a part staged on another host (an agent's): every file of it with its size and SHA-256, for the
 *                 coordinator's manifest; empty for a part in the coordinator's own staging folder (digested there)
 */
record HostPart(HostRecord record, long bytes, Map<String, String> digests, List<String> warnings, List<FileDigest> files) {
    HostPart {
        digests = Map.copyOf(digests);
        warnings = List.copyOf(warnings);
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** A part in the coordinator's own staging folder. */
    HostPart(HostRecord record, long bytes, Map<String, String> digests, List<String> warnings) {
        this(record, bytes, digests, warnings, null);
    }

    /** @return this part with every file's digest, for a coordinator on another host */
    HostPart withFiles(List<FileDigest> all) {
        return new HostPart(record, bytes, digests, warnings, all);
    }
}
