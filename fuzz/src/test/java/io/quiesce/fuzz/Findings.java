package io.quiesce.fuzz;

import io.quiesce.api.CheckpointException;
import java.nio.file.Path;

/** What every reader must do with bad input: a checked error naming the file, never a raw exception's text. */
public final class Findings {
    /** What a raw exception leaks into a message: its class name, a stack frame, or a bare "null" message. */
    static final String RAW = "(?s).*(Exception|Error\\b|\\tat |java\\.|: null\\b|\\(null\\)).*";

    private Findings() {
    }

    /**
     * @param m a message
     * @return it without the values quoted from the input ("..." with backslash escapes, '...'), which may say
     *         anything; a loop, since a regular expression recursing per character overflows on long values
     */
    public static String unquoted(String m) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < m.length() && m.charAt(j) != c) {
                    j += c == '"' && m.charAt(j) == '\\' ? 2 : 1;
                }
                b.append("<quoted>");
                i = j;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** @throws AssertionError (a finding) when the error does not name the file or quotes an exception */
    static void check(CheckpointException e, Path file) {
        String m = String.valueOf(e.getMessage());
        // values quoted from the input ("..." by the readers, '...' by Jackson) may say anything
        String own = unquoted(m);
        if (!m.startsWith(file.toString()) || own.matches(RAW)) {
            throw new AssertionError("unclear error for bad input: " + m);
        }
    }
}
