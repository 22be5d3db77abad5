package io.quiesce.coordinator;

import java.nio.file.Path;

/**
 * Where the platform keeps its state: the {@code quiesce.home} system property (set by bin/quiesce), else the
 * {@code QUIESCE_HOME} environment variable, else {@code ~/.quiesce}. Two homes run side by side independently.
 */
final class Home {
    private Home() {
    }

    static Path resolve() {
        String p = System.getProperty("quiesce.home");
        if (p == null || p.isBlank()) {
            p = System.getenv("QUIESCE_HOME");
        }
        if (p == null || p.isBlank()) {
            p = System.getProperty("user.home") + "/.quiesce";
        }
        return Path.of(p).toAbsolutePath().normalize();
    }
}
