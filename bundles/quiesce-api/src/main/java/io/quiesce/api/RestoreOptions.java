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
 * @param movedFrom   the host that saved this part when another host restores it ({@code restart --host-map}),
 *                    else null (since 1.5): a fabric then binds, in place of that host's addresses, this one's
 * @param hostAddress the address the job's other hosts reach this host at (its cluster link's), or null when
 *                    unknown or on a single host (since 1.5)
 * @param sharedHost  true when this host restores the parts of several hosts in one restart (since 1.6): their
 *                    processes often listen on the same ports (each on its own host before), so a fabric gives a
 *                    listener whose port is taken a fresh port, with a warning, rather than failing the restart
 */
public record RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids,
        ExternalPolicy external, boolean keepFiles, String movedFrom, String hostAddress, boolean sharedHost) {
    /** Copies the relocation map. */
    public RestoreOptions {
        relocations = Map.copyOf(relocations);
        java.util.Objects.requireNonNull(external, "external");
    }

    /** Options of a part that has this host to itself (API 1.5). */
    public RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids, ExternalPolicy external,
            boolean keepFiles, String movedFrom, String hostAddress) {
        this(jobFolder, stdout, relocations, exactPids, external, keepFiles, movedFrom, hostAddress, false);
    }

    /** Options of a part restored on the host that saved it. */
    public RestoreOptions(Path jobFolder, Path stdout, Map<String, String> relocations, boolean exactPids, ExternalPolicy external,
            boolean keepFiles) {
        this(jobFolder, stdout, relocations, exactPids, external, keepFiles, null, null);
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
