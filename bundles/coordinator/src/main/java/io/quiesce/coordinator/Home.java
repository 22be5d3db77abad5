package io.quiesce.coordinator;

import io.quiesce.api.home.HomeFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the platform keeps its state: the {@code quiesce.home} system property (set by bin/quiesce), else the
 * {@code QUIESCE_HOME} environment variable, else {@code ~/.quiesce}. Two homes run side by side independently.
 * A home is used only if no other user could have prepared it (see {@link HomeFiles#root}): a home of another user
 * (a token planted as a link to a file of ours, say) is refused, naming its owner and mode.
 */
final class Home {
    private Home() {
    }

    static Path resolve() throws IOException {
        String p = System.getProperty("quiesce.home");
        if (p == null || p.isBlank()) {
            p = System.getenv("QUIESCE_HOME");
        }
        if (p == null || p.isBlank()) {
            p = System.getProperty("user.home") + "/.quiesce";
        }
        return HomeFiles.root(Path.of(p));
    }
}
