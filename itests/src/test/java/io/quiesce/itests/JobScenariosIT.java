package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Whole jobs through bin/quiesce, checkpointed with --kill and restarted, as root and again as the unprivileged
 * user {@code qtest} when it exists (CI creates it): a 512 MiB self-checking counter, a 3-level process tree whose
 * parents wait for their children by PID, and two processes joined by a full pipe whose every byte is checked.
 */
public class JobScenariosIT {
    private static final String USER = "qtest";
    private static Path scratch;
    private static Path bin;
    private final List<Cli> started = new ArrayList<>();
    private final List<Long> roots = new ArrayList<>();

    @BeforeClass
    public static void compile() throws Exception {
        scratch = Files.createTempDirectory("quiesce-scenarios-");
        Path src = PlatformOptions.root().resolve("bundles/backend-userspace/src/test/c");
        bin = scratch.resolve("bin");
        for (String s : List.of("counter00.c", "tree00.c", "pipe00.c")) {
            Cli.compile(src.resolve(s), bin);
        }
        Cli.openUp(scratch);
    }

    @org.junit.AfterClass
    public static void removeScratch() throws IOException {
        try (var files = Files.walk(scratch)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private List<Cli> users() throws Exception {
        List<Cli> users = new ArrayList<>(List.of(Cli.of(scratch.resolve("home-" + System.getProperty("user.name")))));
        boolean root = System.getProperty("user.name").equals("root");
        if (root && Files.readString(Path.of("/etc/passwd")).contains("\n" + USER + ":")) {
            users.add(Cli.as(USER, scratch));
        }
        return users;
    }

    private Cli start(Cli cli) throws Exception {
        cli.ok("start");
        started.add(cli);
        return cli;
    }

    @After
    public void stop() throws Exception {
        for (long pid : roots) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Cli cli : started) {
            cli.run("stop");
        }
    }

    private long launch(Cli cli, String name, String... argv) throws Exception {
        List<String> args = new ArrayList<>(List.of("launch", "--json", "--name", name, "--"));
        args.addAll(List.of(argv));
        long root = cli.ok(args.toArray(String[]::new)).get("pids").get(0).asLong();
        roots.add(root);
        return root;
    }

    private long killAndRestart(Cli cli, String name) throws Exception {
        assertTrue(cli.ok("checkpoint", name, "--kill", "--json").get("killed").asBoolean());
        assertEquals("checkpointed", cli.ok("jobs", name, "--json").get(0).get("state").asText());
        JsonNode restart = cli.ok("restart", name, "--json");
        assertEquals("no warning: every PID came back (" + cli.user() + ")", 0, restart.get("warnings").size());
        long root = restart.get("pids").get(0).asLong();
        roots.add(root);
        return root;
    }

    private static Path output(Cli cli, String name) throws Exception {
        return Path.of(cli.ok("jobs", name, "--json").get(0).get("folder").asText()).resolve("output.log");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "";
        }
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
            assertTrue(PlatformOptions.await(10000, () -> {
                try {
                    JsonNode j = cli.ok("jobs", "tree", "--json").get(0);
                    return j.get("state").asText().equals("exited") && j.get("exitStatus").asInt() == 0;
                } catch (Exception e) {
                    return false;
                }
            }));
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
}
