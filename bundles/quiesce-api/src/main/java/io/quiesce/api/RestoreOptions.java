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
 * @param keepFiles   true when the user accepts that files the job had open for writing changed since the
 *                    checkpoint (the backend warns, naming each); false when a backend must refuse the restart
 */
public record RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids,
        ExternalPolicy external, boolean keepFiles) {
    /** Copies the relocation map. */
    public RestoreOptions {
        relocations = Map.copyOf(relocations);
        java.util.Objects.requireNonNull(external, "external");
    }

    /** Options that refuse files changed since the checkpoint. */
    public RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids, ExternalPolicy external) {
        this(jobFolder, stdout, relocations, exactPids, external, false);
    }

    /** Options with the default external policy, {@link ExternalPolicy#FAIL}. */
    public RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids) {
        this(jobFolder, stdout, relocations, exactPids, ExternalPolicy.FAIL);
    }
}
