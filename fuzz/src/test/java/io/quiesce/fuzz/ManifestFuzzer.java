package io.quiesce.fuzz;

import io.quiesce.api.ImageException;
import io.quiesce.coordinator.store.ManifestCodec;
import java.nio.file.Path;

/** The platform's manifest reader: any input gives a manifest that passed its checks, or an ImageException. */
public final class ManifestFuzzer {
    static final Path FILE = Path.of("/fuzz/manifest.json");

    private ManifestFuzzer() {
    }

    /** Called by Jazzer once before fuzzing: loads the reader's classes, so no input pays for that. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput("{\"magic\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        try {
            ManifestCodec.parse(data, FILE);
        } catch (ImageException e) {
            Findings.check(e, FILE);
        }
    }
}
