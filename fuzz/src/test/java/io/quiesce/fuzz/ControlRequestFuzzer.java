package io.quiesce.fuzz;

import io.quiesce.shell.CommandFailure;
import io.quiesce.shell.ControlRequest;
import java.nio.file.Path;

/**
 * The control port's request reader ({@link ControlRequest#parse(byte[], Path)}: one JSON line after the token
 * proofs): a checked request or a usage error with a message of its own, never another exception (which would leave
 * the connection without a reply).
 */
public final class ControlRequestFuzzer {
    private static final Path CWD = Path.of("/");

    private ControlRequestFuzzer() {
    }

    /** Called by Jazzer once before fuzzing: loads the reader's classes, so no input pays for that. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput("{\"command\":\"jobs\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        try {
            ControlRequest r = ControlRequest.parse(data, CWD);
            if (r.command() == null || r.args() == null || r.cwd() == null || !r.cwd().isAbsolute()) {
                throw new AssertionError("a request accepted with a missing field: " + r);
            }
        } catch (CommandFailure expected) {
            String m = expected.getMessage();
            if (m == null || !m.startsWith("bad control request: ") || Findings.unquoted(m).matches(Findings.RAW)
                    && !m.contains("not JSON")) {
                throw new AssertionError("unclear error for a bad request: " + m);
            }
        }
    }
}
