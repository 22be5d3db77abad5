package io.quiesce.fuzz;

import io.quiesce.shell.CommandFailure;
import io.quiesce.shell.CommandLine;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * The control port's command lines, through the shell's public parser (arguments separated by NUL bytes, as
 * they arrive decoded from a control message): a usage error (CommandFailure) or a parsed line, nothing else.
 */
public final class CommandLineFuzzer {
    private CommandLineFuzzer() {
    }

    /** Called by Jazzer once before fuzzing: loads the reader's classes, so no input pays for that. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput("{\"magic\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        List<String> args = List.of(new String(data, StandardCharsets.UTF_8).split("\0", -1));
        boolean stop = data.length > 0 && (data[0] & 1) == 1;
        try {
            CommandLine cl = CommandLine.parse("restart", args, Set.of("--json", "--exact-pids", "--trust"),
                    Set.of("--relocate", "--external", "--files"), stop);
            cl.positional();
            cl.values("--relocate");
            cl.value("--files");
            cl.has("--trust");
        } catch (CommandFailure expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("a usage error without a message");
            }
        }
    }
}
