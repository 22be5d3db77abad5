package io.quiesce.api;

import java.util.List;

/**
 * A bound backend or fabric as the shell lists it.
 *
 * @param name         its name
 * @param available    whether it can work here
 * @param reason       why not, or null
 * @param ranking      its service ranking
 * @param selected     for backends: true for the one checkpoints use by default
 * @param bundle       the symbolic name of the bundle that registered it
 * @param capabilities what it can do (backend capability names; empty for fabrics)
 */
public record PluginInfo(String name, boolean available, String reason, int ranking, boolean selected, String bundle,
        List<String> capabilities) {
    /** Copies the list. */
    public PluginInfo {
        capabilities = List.copyOf(capabilities);
    }
}
