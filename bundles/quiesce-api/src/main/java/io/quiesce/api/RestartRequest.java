package io.quiesce.api;

import java.util.Map;

/**
 * What a user asks to restart.
 *
 * @param target      a job ID or name (its latest checkpoint), or a checkpoint folder
 * @param relocations saved path prefix to new prefix; never null
 * @param exactPids   true to fail when the original PIDs cannot be had
 * @param external    what to do with connections to peers outside the job; never null
 * @param trust       true to restore an image this platform's key did not seal (made elsewhere, or of format 1):
 *                    its files are still checked against the manifest's digests where it has them, and folders
 *                    or files writable by others are still refused
 * @param keepFiles   true to run against the files as they are now when a file the job had open for writing
 *                    changed since the checkpoint (a warning names each); false refuses such a restart
 * @param hostMap     saved host name to the host that restores its part instead (since 1.5); hosts not named
 *                    restore their own part; never null
 */
public record RestartRequest(String target, Map<String, String> relocations, boolean exactPids, ExternalPolicy external,
        boolean trust, boolean keepFiles, Map<String, String> hostMap) {
    /** Copies the maps. */
    public RestartRequest {
        relocations = Map.copyOf(relocations);
        hostMap = Map.copyOf(hostMap);
        java.util.Objects.requireNonNull(external, "external");
    }

    /** A request that restores every host part on the host that saved it. */
    public RestartRequest(String target, Map<String, String> relocations, boolean exactPids, ExternalPolicy external,
            boolean trust, boolean keepFiles) {
        this(target, relocations, exactPids, external, trust, keepFiles, Map.of());
    }

    /** A request that trusts only this platform's images and refuses changed files. */
    public RestartRequest(String target, Map<String, String> relocations, boolean exactPids, ExternalPolicy external) {
        this(target, relocations, exactPids, external, false, false);
    }

    /** A request with the default external policy, {@link ExternalPolicy#FAIL}. */
    public RestartRequest(String target, Map<String, String> relocations, boolean exactPids) {
        this(target, relocations, exactPids, ExternalPolicy.FAIL);
    }
}
