package io.quiesce.coordinator;

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
 */
record HostPart(HostRecord record, long bytes, Map<String, String> digests, List<String> warnings) {
    HostPart {
        digests = Map.copyOf(digests);
        warnings = List.copyOf(warnings);
    }
}
