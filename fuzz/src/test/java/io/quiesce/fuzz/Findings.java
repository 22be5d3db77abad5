package io.quiesce.fuzz;

import io.quiesce.api.CheckpointException;
import java.nio.file.Path;

/** What every reader must do with bad input: a checked error naming the file, never a raw exception's text. */
final class Findings {
    private Findings() {
    }

    /** @throws AssertionError (a finding) when the error does not name the file or quotes an exception */
    static void check(CheckpointException e, Path file) {
        String m = String.valueOf(e.getMessage());
        if (!m.startsWith(file.toString()) || m.matches("(?s).*(Exception|\\tat |\\bnull\\b).*")) {
            throw new AssertionError("unclear error for bad input: " + m);
        }
    }
}
