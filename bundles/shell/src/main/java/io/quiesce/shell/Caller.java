package io.quiesce.shell;

import java.nio.file.Path;
import java.util.Map;

/**
 * Who runs a command: their working directory (relative paths resolve against it) and environment (a launched
 * job inherits it). The Gogo console runs as the platform itself.
 *
 * @param cwd         the caller's working directory
 * @param environment the caller's environment, or null for the platform's
 */
public record Caller(Path cwd, Map<String, String> environment) {
    /** @return the platform itself as caller */
    public static Caller platform() {
        return new Caller(Path.of(System.getProperty("user.dir")), null);
    }
}
