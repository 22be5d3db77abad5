package io.quiesce.api;

import java.util.Map;

/**
 * What a user asks to restart.
 *
 * @param target      a job ID or name (its latest checkpoint), or a checkpoint folder
 * @param relocations saved path prefix to new prefix; never null
 * @param exactPids   true to fail when the original PIDs cannot be had
 * @param external    what to do with connections to peers outside the job; never null
 */
public record RestartRequest(String target, Map<String, String> relocations, boolean exactPids, ExternalPolicy external) {
    /** Copies the map. */
    public RestartRequest {
        relocations = Map.copyOf(relocations);
        java.util.Objects.requireNonNull(external, "external");
    }

    /** A request with the default external policy, {@link ExternalPolicy#FAIL}. */
    public RestartRequest(String target, Map<String, String> relocations, boolean exactPids) {
        this(target, relocations, exactPids, ExternalPolicy.FAIL);
    }
}
