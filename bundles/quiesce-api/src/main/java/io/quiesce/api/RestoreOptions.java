package io.quiesce.api;

import java.nio.file.Path;
import java.util.Map;

/**
 * How saved processes are rebuilt.
 *
 * @param jobFolder   the restarted job's folder; exists
 * @param stdout      where output goes when a saved output file cannot be reopened; null keeps saved paths only
 * @param relocations saved path prefix to new path prefix (files moved since the checkpoint); never null
 * @param exactPids   true to fail when original PIDs cannot be had; false to accept new PIDs with a warning
 * @param external    what fabrics do with connections to peers outside the job; never null
 */
public record RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids,
        ExternalPolicy external) {
    /** Copies the relocation map. */
    public RestoreOptions {
        relocations = Map.copyOf(relocations);
        java.util.Objects.requireNonNull(external, "external");
    }

    /** Options with the default external policy, {@link ExternalPolicy#FAIL}. */
    public RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids) {
        this(jobFolder, stdout, relocations, exactPids, ExternalPolicy.FAIL);
    }
}
