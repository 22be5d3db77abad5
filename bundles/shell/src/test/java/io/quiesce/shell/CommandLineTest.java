package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.Test;

public class CommandLineTest {
    private static final Set<String> FLAGS = Set.of("--json", "--kill");
    private static final Set<String> VALUED = Set.of("--backend", "--relocate");

    @Test
    public void optionsBeforeOrAfterPositionalsMeanTheSame() {
        CommandLine a = CommandLine.parse("checkpoint", List.of("--kill", "sim"), FLAGS, VALUED, false);
        CommandLine b = CommandLine.parse("checkpoint", List.of("sim", "--kill"), FLAGS, VALUED, false);
        assertEquals(a.positional(), b.positional());
        assertTrue(a.has("--kill") && b.has("--kill"));
        assertFalse(a.has("--json"));
    }

    @Test
    public void valuedOptionsTakeBothSpellingsAndRepeat() {
        CommandLine c = CommandLine.parse("restart", List.of("--backend=blcr", "x", "--relocate", "/a=/b", "--relocate=/c=/d"), FLAGS, VALUED, false);
        assertEquals("blcr", c.value("--backend"));
        assertEquals(List.of("/a=/b", "/c=/d"), c.values("--relocate"));
        assertNull(c.value("--json"));
    }

    @Test
    public void programArgumentsStayThePrograms() {
        CommandLine c = CommandLine.parse("launch", List.of("--json", "sh", "-c", "echo --json", "--kill"), FLAGS, VALUED, true);
        assertEquals(List.of("sh", "-c", "echo --json", "--kill"), c.positional());
        assertTrue(c.has("--json"));
        assertFalse(c.has("--kill"));
        CommandLine d = CommandLine.parse("launch", List.of("--", "--weird-name"), FLAGS, VALUED, true);
        assertEquals(List.of("--weird-name"), d.positional());
    }

    @Test
    public void mistakesAreUsageErrorsThatNameTheProblem() {
        CommandFailure unknown = assertThrows(CommandFailure.class, () -> CommandLine.parse("jobs", List.of("--bogus"), FLAGS, VALUED, false));
        assertEquals(CommandFailure.USAGE, unknown.exitStatus());
        assertTrue(unknown.getMessage(), unknown.getMessage().contains("unknown option --bogus") && unknown.getMessage().contains("--json"));
        assertTrue(assertThrows(CommandFailure.class, () -> CommandLine.parse("x", List.of("--backend"), FLAGS, VALUED, false))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(CommandFailure.class, () -> CommandLine.parse("x", List.of("--json=yes"), FLAGS, VALUED, false))
                .getMessage().contains("takes no value"));
        CommandLine two = CommandLine.parse("checkpoint", List.of("a", "b"), FLAGS, VALUED, false);
        assertTrue(assertThrows(CommandFailure.class, () -> two.positional("checkpoint", 1, 1, "JOB")).getMessage().contains("unexpected argument 'b'"));
        assertTrue(assertThrows(CommandFailure.class, () -> two.positional("checkpoint", 3, 3, "JOB")).getMessage().contains("missing JOB"));
    }

    @Test
    public void negativeNumbersAreNotOptions() {
        assertEquals(List.of("-5"), CommandLine.parse("x", List.of("-5"), FLAGS, VALUED, false).positional());
    }
}
