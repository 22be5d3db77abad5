package io.quiesce.backend.blcr;

import io.quiesce.api.Availability;
import io.quiesce.api.HostProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether BLCR can work here: its kernel module's control file and libcr must both be present. BLCR supports
 * Linux up to 3.17, so on a modern kernel the reason says that too.
 */
final class BlcrProbe {
    /** The control file the BLCR kernel module creates (blcr_proc.h CR_CTRL_FILE). */
    static final Path CTRL = Path.of("/proc/checkpoint/ctrl");
    /** libcr's soname. */
    static final String LIBRARY = "libcr.so.0";

    private final Path ctrl;
    private final Optional<Path> library;
    private final String kernel;

    BlcrProbe(Path ctrl, Optional<Path> library, String kernel) {
        this.ctrl = ctrl;
        this.library = library;
        this.kernel = kernel;
    }

    static BlcrProbe host() {
        return new BlcrProbe(CTRL, HostProbe.findLibrary(LIBRARY), HostProbe.kernelRelease());
    }

    Availability probe() {
        List<String> missing = new ArrayList<>();
        if (!Files.exists(ctrl)) {
            missing.add("the BLCR kernel module is not loaded (" + ctrl + " is missing)");
        }
        if (library.isEmpty()) {
            missing.add(LIBRARY + " is not installed");
        }
        if (missing.isEmpty()) {
            return Availability.yes();
        }
        return Availability.no(String.join("; ", missing) + ". BLCR needs Linux <= 3.17 with its module loaded; this host runs Linux " + kernel);
    }

    Optional<Path> library() {
        return library;
    }
}
