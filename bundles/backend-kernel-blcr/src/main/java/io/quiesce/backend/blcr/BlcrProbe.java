package io.quiesce.backend.blcr;

import com.sun.jna.NativeLibrary;
import io.quiesce.api.Availability;
import io.quiesce.api.HostProbe;
import io.quiesce.backend.blcr.linux.LibCr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether BLCR can work here: its kernel module's control file must exist, and libcr must be installed and
 * loadable with the functions the binding uses. BLCR supports Linux up to 3.17, so the reason says that too.
 * The library is only loaded once the control file is known to exist, so a host without BLCR never loads it.
 */
final class BlcrProbe {
    /** The control file the BLCR kernel module creates (blcr_proc.h CR_CTRL_FILE). */
    static final Path CTRL = Path.of("/proc/checkpoint/ctrl");
    /** libcr's soname. */
    static final String LIBRARY = LibCr.SONAME;
    /** The functions {@link LibCr} binds; a libcr without one of them is not the one this backend speaks to. */
    static final List<String> SYMBOLS = List.of("cri_init_checkpoint_args_t", "cr_request_checkpoint", "cr_poll_checkpoint_msg",
            "cr_reap_checkpoint", "cr_strerror");

    private final Path ctrl;
    private final Optional<Path> library;
    private final String kernel;
    private final Function<Path, Optional<String>> loader;

    /**
     * @param ctrl    the control file
     * @param library libcr's file, or empty when it is not installed
     * @param kernel  the kernel release, for the reason
     * @param loader  tries to load a library and returns why it cannot be used, or empty when it can
     */
    BlcrProbe(Path ctrl, Optional<Path> library, String kernel, Function<Path, Optional<String>> loader) {
        this.ctrl = ctrl;
        this.library = library;
        this.kernel = kernel;
        this.loader = loader;
    }

    /**
     * @param ctrl    the control file
     * @param library libcr's file, or empty when it is not installed
     * @param kernel  the kernel release, for the reason
     */
    BlcrProbe(Path ctrl, Optional<Path> library, String kernel) {
        this(ctrl, library, kernel, BlcrProbe::tryLoad);
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
        } else if (missing.isEmpty()) {
            loader.apply(library.get()).ifPresent(why -> missing.add(LIBRARY + " at " + library.get() + " cannot be used: " + why));
        }
        if (missing.isEmpty()) {
            return Availability.yes();
        }
        return Availability.no(String.join("; ", missing) + ". BLCR needs Linux <= 3.17 with its module loaded; this host runs Linux " + kernel);
    }

    Optional<Path> library() {
        return library;
    }

    /** Loads a library and looks up every bound function. */
    static Optional<String> tryLoad(Path library) {
        try {
            NativeLibrary lib = NativeLibrary.getInstance(library.toAbsolutePath().toString());
            for (String s : SYMBOLS) {
                lib.getFunction(s);
            }
            return Optional.empty();
        } catch (UnsatisfiedLinkError e) {
            return Optional.of(e.getMessage());
        }
    }
}
