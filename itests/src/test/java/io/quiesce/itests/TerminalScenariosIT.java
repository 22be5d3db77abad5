package io.quiesce.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Jobs on pseudo-terminals they hold, through bin/quiesce, as root and again as {@code qtest}: pty00 (queues both
 * ways, raw mode, window size, session and foreground group) through a checkpoint that continues and one with
 * --kill and a restart; and an interactive Python on a terminal made by Python's own pty module, whose variables are
 * still there after a restart.
 */
public class TerminalScenariosIT extends JobScenarios {
    private static Path bin;

    @BeforeClass
    public static void compile() throws Exception {
        bin = compile("bundles/backend-userspace/src/test/c", List.of("pty00.c"));
    }

    private static long count(Path f, String prefix) {
        return read(f).lines().filter(l -> l.startsWith(prefix)).count();
    }

    private static void grows(Cli cli, Path out, String prefix, int more) throws InterruptedException {
        long want = count(out, prefix) + more;
        assertTrue(cli.user() + ": " + more + " more '" + prefix + "' lines in\n" + read(out),
                PlatformOptions.await(20000, () -> count(out, prefix) >= want));
    }

    /** One platform per user for both jobs: a platform start is most of the cost. */
    @Test
    public void ptyJobsComeBackThroughContinueAndRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            ptyPairKeepsItsBytesStateAndSession(cli);
            interactivePythonOnItsOwnPtyKeepsItsVariables(cli);
        }
    }

    private void ptyPairKeepsItsBytesStateAndSession(Cli cli) throws Exception {
        launch(cli, "pty", bin.resolve("pty00").toString());
        Path out = output(cli, "pty");
        grows(cli, out, "C n=", 3);
        assertFalse(cli.ok("checkpoint", "pty", "--json").get("killed").asBoolean());
        grows(cli, out, "C n=", 5);
        grows(cli, out, "P n=", 2);
        killAndRestartAll(cli, "pty");
        grows(cli, out, "C n=", 5);
        grows(cli, out, "P n=", 2);
        String log = read(out);
        assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH") || log.contains("BAD") || log.contains("EOF")
                || log.contains("failed"));
    }

    private void interactivePythonOnItsOwnPtyKeepsItsVariables(Cli cli) throws Exception {
        Path in = cli.home().resolve("py.in");
        assertTrue(new ProcessBuilder("mkfifo", "-m", "666", in.toString()).inheritIO().start().waitFor() == 0);
        // the job holds its input FIFO open for reading and writing, so the test's writes never block on it
        launch(cli, "py", "/bin/sh", "-c", "exec 3<>" + in + "; exec /usr/bin/python3 -c "
                + "'import pty; pty.spawn([\"/usr/bin/python3\", \"-i\"])' <&3");
        Path out = output(cli, "py");
        assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(20000, () -> read(out).contains(">>> ")));
        Files.writeString(in, "x = 41\n", StandardCharsets.UTF_8);
        assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(20000, () -> read(out).contains("x = 41")));
        killAndRestartAll(cli, "py");
        Files.writeString(in, "print('got', x + 1)\n", StandardCharsets.UTF_8);
        assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(20000,
                () -> read(out).lines().anyMatch(l -> l.startsWith("got 42"))));
    }
}
