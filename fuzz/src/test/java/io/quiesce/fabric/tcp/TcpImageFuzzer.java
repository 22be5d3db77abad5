package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import java.nio.file.Path;

/** The tcp fabric's image reader ({@code tcp.json}). */
public final class TcpImageFuzzer {
    static final Path FILE = Path.of("/fuzz/tcp.json");

    private TcpImageFuzzer() {
    }

    /** Called by Jazzer once before fuzzing: loads the reader's classes, so no input pays for that. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput("{\"magic\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        try {
            ImageStore.parse(data, FILE);
        } catch (CheckpointException e) {
            String m = String.valueOf(e.getMessage());
            String own = io.quiesce.fuzz.Findings.unquoted(m);
            if (!m.startsWith(FILE.toString()) || own.matches("(?s).*(Exception|Error\\b|\\tat |java\\.|: null\\b|\\(null\\)).*")) {
                throw new AssertionError("unclear error for bad input: " + m);
            }
        }
    }
}
