package io.quiesce.api;

import java.nio.file.Path;

/**
 * The platform's state.
 *
 * @param version         the platform's version
 * @param home            its home folder ({@code QUIESCE_HOME})
 * @param store           its checkpoint store
 * @param selectedBackend the backend checkpoints use by default, or null when none is available
 * @param jobs            how many jobs it knows
 * @param running         how many of them run
 * @param pid             the platform's own process ID
 */
public record PlatformStatus(String version, Path home, Path store, String selectedBackend, int jobs, int running, long pid) {
}
