package io.quiesce.fuzz;

import io.quiesce.api.CheckpointException;
import java.nio.file.Path;

/** What every reader must do with bad input: a checked error naming the file, never a raw exception's text. */
final class Findings {
    /** What a raw exception leaks into a message: its class name, a stack frame, or a bare "null" message. */
    static final String RAW = "(?s).*(Exception|Error\\b|\\tat |java\\.|: null\\b|\\(null\\)).*";

    private Findings() {
    }

    /** @throws AssertionError (a finding) when the error does not name the file or quotes an exception */
    static void check(CheckpointException e, Path file) {
        String m = String.valueOf(e.getMessage());
        // values quoted from the input ("..." by the readers, '...' by Jackson) may say anything
        String own = m.replaceAll("\"(\\\\.|[^\"\\\\])*\"|'[^']*'", "<quoted>");
        if (!m.startsWith(file.toString()) || own.matches(RAW)) {
            throw new AssertionError("unclear error for bad input: " + m);
        }
    }
}
