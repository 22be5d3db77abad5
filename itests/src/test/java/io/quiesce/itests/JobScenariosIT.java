package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Whole jobs through bin/quiesce, checkpointed with --kill and restarted, as root and again as the unprivileged
 * user {@code qtest} when it exists (CI creates it): a 512 MiB self-checking counter, a 3-level process tree whose
 * parents wait for their children by PID, and two processes joined by a full pipe whose every byte is checked; and,
 * through a checkpoint that lets the job continue and then one with --kill and a restart: a sleeper, a reader blocked
 * on a pipe, and blocked signals pending in both queues.
 */
public class JobScenariosIT extends JobScenarios {
    private static Path bin;

    @BeforeClass
    public static void compile() throws Exception {
        bin = compile("bundles/backend-userspace/src/test/c",
                List.of("counter00.c", "tree00.c", "pipe00.c", "sleeper00.c", "reader00.c", "sigpending00.c"));
    }

    @Test
    public void a512MiBCounterContinuesAtTheNextValueWithItsMemory() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path out = cli.home().resolve("counter.out");
            launch(cli, "counter", bin.resolve("counter00").toString(), out.toString(), "512", "20");
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> CliEndToEndIT.lastCounterOr0(out) >= 3));
            killAndRestart(cli, "counter");
            long saved = CliEndToEndIT.lastCounter(out);
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> CliEndToEndIT.lastCounterOr0(out) >= saved + 3));
            List<String> lines = Files.readAllLines(out);
            String before = lines.stream().filter(l -> l.startsWith("counter=" + (saved - 1) + " ")).findFirst().orElseThrow();
            String after = lines.stream().filter(l -> l.startsWith("counter=" + (saved + 1) + " ")).findFirst().orElseThrow();
            assertEquals("the same in-job PID before and after (" + cli.user() + ")", before.replaceAll(".* (pid=\\d+) .*", "$1"),
                    after.replaceAll(".* (pid=\\d+) .*", "$1"));
            assertEquals("every value once", lines.size(), lines.stream().distinct().count());
            assertTrue(lines.stream().noneMatch(l -> l.contains("MISMATCH")));
        }
    }

    @Test
    public void aProcessTreeStillWaitsForItsChildrenByPid() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "tree", bin.resolve("tree00").toString(), "240"); // about 6 s of ticking
            Path out = output(cli, "tree");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(out).contains("G tick=10")));
            killAndRestart(cli, "tree");
            assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(60000, () -> read(out).contains("tree ")));
            String log = read(out);
            assertTrue(cli.user() + ":\n" + log, log.contains("tree ok") && !log.contains("MISMATCH"));
            assertTrue(PlatformOptions.await(10000, () -> exitedOk(cli, "tree")));
        }
    }

    @Test
    public void bytesInFlightInAPipeAreNeitherLostNorDuplicated() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "pipe", bin.resolve("pipe00").toString());
            Path out = output(cli, "pipe");
            // the child reads slowly on purpose (~100 KB/s): the pipe is full whenever the job is frozen
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> received(read(out)) > 64 << 10));
            killAndRestart(cli, "pipe");
            long saved = received(read(out));
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> received(read(out)) > saved + (256 << 10)));
            String log = read(out);
            assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH") || log.contains("EOF") || log.contains("failed"));
        }
    }

    /** The child's count of checked bytes, from its last progress line. */
    private static long received(String log) {
        long got = 0;
        for (String l : log.split("\n")) {
            if (l.startsWith("child n=")) {
                got = Long.parseLong(l.replaceAll(".* got=(\\d+) .*", "$1"));
            }
        }
        return got;
    }
    /** @return how many lines of {@code f} start with {@code prefix} */
    private static long count(Path f, String prefix) {
        return read(f).lines().filter(l -> l.startsWith(prefix)).count();
    }

    /**
     * Checkpoints a running job and lets it continue, then checkpoints it with --kill and restarts it; after each
     * step its output must grow by five more {@code progress} lines.
     *
     * @return the restarted job's PIDs
     */
    private List<Long> continueThenRestart(Cli cli, String name, String progress) throws Exception {
        Path out = output(cli, name);
        assertTrue(cli.user(), PlatformOptions.await(10000, () -> count(out, progress) >= 3));
        assertFalse(cli.ok("checkpoint", name, "--json").get("killed").asBoolean());
        long n = count(out, progress);
        assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(10000, () -> count(out, progress) >= n + 5));
        List<Long> pids = killAndRestartAll(cli, name);
        long m = count(out, progress);
        assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(10000, () -> count(out, progress) >= m + 5));
        return pids;
    }

    @Test
    public void aSleeperSleepsOnAfterContinueAndAfterRestartWithItsExe() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            String exe = bin.resolve("sleeper00").toString();
            launch(cli, "sleeper", exe, "100");
            List<Long> pids = continueThenRestart(cli, "sleeper", "tick=");
            String log = read(output(cli, "sleeper"));
            assertFalse(cli.user() + ":\n" + log, log.contains("SHORT"));
            // a nanosleep interrupted by the freeze restarts on continue; only the restart may cost one EINTR
            assertTrue(cli.user() + ":\n" + log, log.lines().allMatch(l -> l.contains(" eintr=0 ") || l.contains(" eintr=1 ")));
            assertTrue(cli.user(), log.lines().allMatch(l -> l.contains(" pid=2 ")));
            assertEquals("/proc/PID/exe of the restarted process (" + cli.user() + ")", exe,
                    Files.readSymbolicLink(Path.of("/proc/" + pids.get(2) + "/exe")).toString());
        }
    }

    @Test
    public void aReaderBlockedOnAPipeRestartsItsRead() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "reader", bin.resolve("reader00").toString());
            continueThenRestart(cli, "reader", "record=");
            String log = read(output(cli, "reader"));
            assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH") || log.contains("EOF"));
            assertTrue("read(2) restarted, never failed with EINTR (" + cli.user() + ")", log.lines().allMatch(l -> l.endsWith(" eintr=0")));
        }
    }

    @Test
    public void blockedSignalsStayPendingAndArriveAfterContinueAndAfterRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path trigger = cli.home().resolve("sigpending.trigger");
            launch(cli, "sigpending", bin.resolve("sigpending00").toString(), trigger.toString());
            Path out = output(cli, "sigpending");
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> count(out, "tick=") >= 2));
            assertFalse(cli.ok("checkpoint", "sigpending", "--json").get("killed").asBoolean());
            Files.writeString(trigger, "1");
            assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(10000, () -> read(out).contains("round=1 delivered ok")));
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> read(out).contains(" round=2 ")));
            killAndRestart(cli, "sigpending");
            long before = count(out, "tick=");
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> count(out, "tick=") >= before + 2));
            Files.writeString(trigger, "2");
            assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(10000, () -> read(out).contains("round=2 delivered ok")));
            String log = read(out);
            assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH"));
        }
    }
}
