package io.quiesce.api;

import java.util.Map;

/**
 * What a user asks to restart.
 *
 * @param target      a job ID or name (its latest checkpoint), or a checkpoint folder
 * @param relocations saved path prefix to new prefix; never null
 * @param exactPids   true to fail when the original PIDs cannot be had
 */
public record RestartRequest(String target, Map<String, String> relocations, boolean exactPids) {
    /** Copies the map. */
    public RestartRequest {
        relocations = Map.copyOf(relocations);
    }
}
