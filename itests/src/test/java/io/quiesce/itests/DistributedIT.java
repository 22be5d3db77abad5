package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;

/**
 * One job with pieces on two hosts, through bin/quiesce: a coordinator platform and an agent platform (own homes,
 * own stores) joined over loopback, a piece launched on each, checkpointed as one job and restarted, with every
 * line each piece writes checked; then the agent, and then the coordinator, SIGKILLed in the middle of a
 * checkpoint: the checkpoint is aborted, every piece runs on, no part of the epoch stays visible, and the staged
 * part is settled by the coordinator's decision when the agent joins again. Every wait is for an event (a line
 * count, a file appearing or going, a state the platform reports), with a deadline.
 */
public class DistributedIT {
    private static final long DEADLINE_NANOS = 90_000_000_000L;

    @Rule
    public final Platforms platforms = new Platforms("dist");

    private Path a;
    private Path b;
    private Path data;
    private int port;
    private String coordinatorAt;
    /** the client of each home: inside its namespace for the namespace hosts, else plain */
    private final java.util.Map<Path, Cli> clis = new java.util.HashMap<>();

    private Cli cli(Path home) {
        return clis.computeIfAbsent(home, Cli::of);
    }

    /** Two platforms over loopback: host-a listens, host-b joins it; returns once the coordinator lists host-b as up. */
    private void cluster() throws Exception {
        homes("a", "b");
        ok(a, "start", "--host", "host-a", "--listen", "127.0.0.1:0");
        String address = cli(a).ok("hosts", "--json").get(0).path("address").asText();
        port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        coordinatorAt = "127.0.0.1:" + port;
        joinB();
    }

    /** The homes of host-a and host-b with one cluster key, and the folder the pieces write to. */
    private void homes(String nameA, String nameB) throws Exception {
        a = platforms.home(nameA);
        b = platforms.home(nameB);
        data = Files.createTempDirectory("quiesce-dist-data-");
        platforms.atEnd(() -> deleteTree(data));
        ok(a, "cluster", "init");
        ClusterIT.copyKey(a, b);
    }

    private void joinB() throws Exception {
        ok(b, "start", "--host", "host-b", "--join", coordinatorAt);
        await("host-b up on the coordinator", () -> hostState(a, "host-b").equals("up"));
    }

    private String hostState(Path home, String name) {
        try {
            for (JsonNode h : cli(home).ok("hosts", "--json")) {
                if (h.path("name").asText().equals(name)) {
                    return h.path("state").asText();
                }
            }
        } catch (Exception | AssertionError e) {
            return "?";
        }
        return "none";
    }

    private void ok(Path home, String... args) throws Exception {
        Cli.Run r = cli(home).run(args);
        assertEquals(String.join(" ", args) + ": " + r.out() + r.err(), 0, r.exit());
    }

    private static void await(String what, BooleanSupplier until) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!until.getAsBoolean()) {
            assertTrue("timed out waiting for: " + what, System.nanoTime() < end);
            Thread.sleep(20); // polling an event of the system under test; the deadline bounds it
        }
    }

    /** Launches the counter piece on a host of the job (the first piece makes the job). */
    private void piece(String host, String file, int mib) throws Exception {
        Path counter = PlatformOptions.root().resolve("itests/src/test/cluster/counter.py");
        List<String> args = new ArrayList<>(List.of("launch", "--json"));
        if (host.equals("host-a")) {
            args.addAll(List.of("--name", "pair"));
        } else {
            args.addAll(List.of("--host", host, "--job", "pair"));
        }
        args.addAll(List.of("--", "python3", counter.toString(), data.resolve(file).toString(), Integer.toString(mib)));
        JsonNode job = cli(a).ok(args.toArray(String[]::new));
        for (JsonNode p : job.get("pieces")) {
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
        }
    }

    /** @return the piece's lines so far, checked to be 1, 2, 3, ... (a last line still being written is left out) */
    private List<Long> lines(String file) throws IOException {
        Path f = data.resolve(file);
        if (!Files.exists(f)) {
            return List.of();
        }
        String text = Files.readString(f);
        String[] parts = text.split("\n", -1);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            long n = Long.parseLong(parts[i]);
            assertEquals(file + ": line " + (i + 1) + " is " + n + ": a count was lost or repeated", i + 1, n);
            out.add(n);
        }
        return out;
    }

    private void grows(String file, int more) throws Exception {
        int now = lines(file).size();
        await(file + " to grow by " + more + " lines from " + now, () -> {
            try {
                return lines(file).size() >= now + more;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private JsonNode piecesOf(Path home) throws Exception {
        return cli(home).ok("jobs", "pair", "--json").get(0);
    }

    private static JsonNode piece(JsonNode job, String host) {
        for (JsonNode p : job.get("pieces")) {
            if (p.path("host").asText().equals(host)) {
                return p;
            }
        }
        throw new AssertionError("no piece on " + host + ": " + job);
    }

    private long platformPid(Path home) throws Exception {
        return cli(home).ok("status", "--json").path("pid").asLong();
    }

    private static Path storeJob(Path home, String job) {
        return home.resolve("store").resolve(job);
    }

    private static List<String> names(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** @return true once a file with bytes in it lies in a part the agent is staging (its dump is writing) */
    private static boolean dumping(Path jobFolder) {
        try (Stream<Path> s = Files.walk(jobFolder)) {
            return s.anyMatch(p -> p.toString().contains("/.part-") && Files.isRegularFile(p) && p.toFile().length() > 0);
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** Something a test does from another thread. */
    private interface Act {
        void run() throws Exception;
    }

    /** @return a started thread that does {@code act} once host-b writes its part of the job */
    private Thread onceDumping(Path bJob, Act act) {
        Thread t = new Thread(() -> {
            try {
                await("host-b to write its part", () -> dumping(bJob));
                act.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    /** Waits until host-b deleted its staged part of the job, as the coordinator decided. */
    private void awaitPartDeleted(Path bJob) throws InterruptedException {
        await("host-b to delete its staged part", () -> {
            try {
                return names(bJob).stream().noneMatch(x -> x.startsWith(".part-"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    private void awaitPieceRunning() throws InterruptedException {
        await("host-b's piece listed as running", () -> {
            try {
                return piece(piecesOf(a), "host-b").path("state").asText().equals("running");
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.exists(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(x);
                }
            }
        }
    }

    @Test
    public void aJobWithPiecesOnTwoHostsIsCheckpointedAndRestartedAsOneWithEveryLineKept() throws Exception {
        cluster();
        piece("host-a", "a.txt", 8);
        piece("host-b", "b.txt", 8);
        JsonNode job = piecesOf(a);
        String id = job.get("job").asText();
        assertEquals(job.toString(), 2, job.get("pieces").size());
        assertEquals("running", piece(job, "host-b").path("state").asText());
        assertFalse(job.toString(), piece(job, "host-b").get("pids").isEmpty());
        Cli.Run table = cli(a).run("jobs");
        assertTrue(table.out(), table.out().contains("host-a:") && table.out().contains(" host-b:"));
        // on the agent, the piece is a job of its coordinator's: checkpointed there, not here
        Cli.Run refused = cli(b).run("checkpoint", id);
        assertTrue(refused.err(), refused.exit() != 0 && refused.err().contains("piece of a job of the coordinator host-a"));
        // a second piece of the job on one host is refused
        Cli.Run twice = cli(a).run("launch", "--host", "host-b", "--job", "pair", "--", "sleep", "1");
        assertTrue(twice.err(), twice.exit() != 0 && twice.err().contains("already runs on host host-b"));

        grows("a.txt", 20);
        grows("b.txt", 20);
        for (int i = 1; i <= 3; i++) {
            JsonNode cp = cli(a).ok("checkpoint", "pair", "--json");
            assertEquals(i, cp.get("epoch").asInt());
            assertEquals(cp.toString(), 0, cp.get("warnings").size());
            grows("a.txt", 10);
            grows("b.txt", 10);
        }
        // the manifest on the coordinator lists both parts; each store holds its own host's part, nothing staged
        JsonNode manifest = cli(a).ok("inspect", "pair", "--json");
        List<String> hosts = new ArrayList<>();
        manifest.get("hosts").forEach(h -> hosts.add(h.get("host").asText()));
        assertEquals(List.of("host-a", "host-b"), hosts.stream().sorted().toList());
        assertTrue(manifest.toString(), manifest.toString().contains("\"host-b/"));
        assertEquals(List.of("host-a", "manifest.hmac", "manifest.json", "restart.sh"), names(storeJob(a, id).resolve("3")));
        // the agent keeps the coordinator's manifest beside its part (marked: not a checkpoint of its own)
        assertEquals(List.of("coordinator", "host-b", "manifest.json"), names(storeJob(b, id).resolve("3")));
        assertEquals(0, cli(b).ok("checkpoints", "--json").size());
        assertFalse(names(storeJob(b, id)).toString(), names(storeJob(b, id)).stream().anyMatch(n -> n.startsWith(".part-")));

        JsonNode killed = cli(a).ok("checkpoint", "pair", "--kill", "--json");
        assertTrue(killed.get("killed").asBoolean());
        assertEquals("checkpointed", piecesOf(a).get("state").asText());
        assertEquals("the agent's piece is gone too", 0, piece(piecesOf(a), "host-b").get("pids").size());
        int atKillA = lines("a.txt").size();
        int atKillB = lines("b.txt").size();

        JsonNode restarted = cli(a).ok("restart", "pair", "--json");
        assertEquals(restarted.toString(), 0, restarted.get("warnings").size());
        restarted.get("pids").forEach(p -> platforms.kill(p.asLong()));
        JsonNode again = piecesOf(a);
        assertEquals("running", again.get("state").asText());
        assertFalse(again.toString(), piece(again, "host-b").get("pids").isEmpty());
        grows("a.txt", 20);
        grows("b.txt", 20);
        assertTrue(lines("a.txt").size() > atKillA && lines("b.txt").size() > atKillB); // and consecutive: lines() checks
    }

    @Test
    public void anAgentKilledMidDumpAbortsTheCheckpointEverywhereAndItsPartIsDeletedWhenItJoinsAgain() throws Exception {
        cluster();
        piece("host-a", "a.txt", 8);
        piece("host-b", "b.txt", 400); // large enough that its dump takes a while
        grows("a.txt", 10);
        grows("b.txt", 10);
        String id = piecesOf(a).get("job").asText();
        long agentJvm = platformPid(b);
        Path bJob = storeJob(b, id);
        Thread killer = onceDumping(bJob, () -> ProcessHandle.of(agentJvm).ifPresent(ProcessHandle::destroyForcibly));
        Cli.Run cp = cli(a).run("checkpoint", "pair", "--json");
        killer.join();
        assertTrue(cp.out() + cp.err(), cp.exit() != 0 && cp.err().contains("host-b"));
        // nothing of the epoch is visible; the coordinator's piece runs on, and so does the agent's (its tracer died)
        assertEquals(0, cli(a).ok("checkpoints", "pair", "--json").size());
        assertFalse(names(storeJob(a, id)).toString(), names(storeJob(a, id)).stream().anyMatch(n -> n.matches("\\d+|latest|\\.staging-.*")));
        grows("a.txt", 20);
        grows("b.txt", 20);
        assertTrue("the killed agent left its staged part", names(bJob).stream().anyMatch(n -> n.startsWith(".part-")));
        // and, as a link that closed mid-copy leaves it, half a copy of another host's part (a restart --host-map's)
        Path halfCopy = Files.createDirectories(bJob.resolve(".part-7").resolve("host-c"));
        Files.write(halfCopy.resolve("pages.img"), new byte[4096]);

        joinB(); // the agent comes back, asks what became of the epoch, and deletes its part and the half copy
        awaitPartDeleted(bJob);
        awaitPieceRunning();
        JsonNode cp2 = cli(a).ok("checkpoint", "pair", "--json");
        assertEquals(cp2.toString(), 1, cli(a).ok("checkpoints", "pair", "--json").size());
        grows("a.txt", 10);
        grows("b.txt", 10);
    }

    @Test
    public void aCoordinatorKilledMidCheckpointLeavesEveryPieceRunningAndTheEpochIsDiscardedWhenItComesBack() throws Exception {
        cluster();
        piece("host-a", "a.txt", 8);
        piece("host-b", "b.txt", 400);
        grows("a.txt", 10);
        grows("b.txt", 10);
        String id = piecesOf(a).get("job").asText();
        long coordinatorJvm = platformPid(a);
        Path bJob = storeJob(b, id);
        Thread killer = onceDumping(bJob, () -> ProcessHandle.of(coordinatorJvm).ifPresent(ProcessHandle::destroyForcibly));
        Cli.Run cp = cli(a).run("checkpoint", "pair", "--json");
        killer.join();
        assertTrue(cp.out() + cp.err(), cp.exit() != 0);
        // the agent's lease ends with the link: its piece runs on; the coordinator's piece lost its tracer and runs on
        grows("b.txt", 20);
        grows("a.txt", 20);
        await("the agent to notice", () -> !hostState(b, "host-a").equals("up"));

        // the coordinator comes back: its staging is discarded; the agent rejoins and deletes its part
        ok(a, "start", "--host", "host-a", "--listen", "127.0.0.1:" + port);
        await("host-b to rejoin", () -> hostState(a, "host-b").equals("up"));
        awaitPartDeleted(bJob);
        assertEquals(0, cli(a).ok("checkpoints", "pair", "--json").size());
        JsonNode job = piecesOf(a);
        assertEquals(job.toString(), "running", job.get("state").asText());
        assertEquals(job.toString(), "running", piece(job, "host-b").path("state").asText());
        JsonNode cp2 = cli(a).ok("checkpoint", "pair", "--json");
        assertEquals(1, cp2.get("epoch").asInt());
        grows("a.txt", 10);
        grows("b.txt", 10);
    }

    /**
     * The link cut between freeze and commit, on two namespace hosts joined by a veth link: the agent's end is set
     * down while the agent writes its part. The coordinator loses the agent and aborts; the agent loses its
     * coordinator and resumes its piece by itself; nothing of the epoch is visible. When the link comes back the
     * agent joins again and deletes its part as the coordinator decided, and the next checkpoint takes epoch 1.
     */
    @Test
    public void aLinkCutWhileTheAgentWritesItsPartAbortsTheCheckpointAndEveryPieceRunsOn() throws Exception {
        assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        long tag = ProcessHandle.current().pid() % 30 + 220;
        ClusterIT.NamespacePair n = ClusterIT.namespacePair(platforms, "qzd", tag);
        homes("ns-a", "ns-b");
        clis.put(a, platforms.track(Cli.of(a).inNamespace(n.a())));
        clis.put(b, platforms.track(Cli.of(b).inNamespace(n.b()))); // stopped first, then host-a, then the namespaces go
        coordinatorAt = n.net() + "1:7730";
        ok(a, "start", "--host", "host-a", "--listen", coordinatorAt);
        joinB();
        piece("host-a", "a.txt", 8);
        piece("host-b", "b.txt", 400); // large enough that its dump takes a while
        grows("a.txt", 10);
        grows("b.txt", 10);
        String id = piecesOf(a).get("job").asText();
        Path bJob = storeJob(b, id);
        Thread cutter = onceDumping(bJob, () -> new ProcessBuilder("ip", "-n", n.b(), "link", "set", n.deviceB(), "down").inheritIO().start().waitFor());
        Cli.Run cp = cli(a).run("checkpoint", "pair", "--json");
        cutter.join();
        assertTrue(cp.out() + cp.err(), cp.exit() != 0 && cp.err().contains("host-b"));
        assertEquals(0, cli(a).ok("checkpoints", "pair", "--json").size());
        assertFalse(names(storeJob(a, id)).toString(), names(storeJob(a, id)).stream().anyMatch(x -> x.matches("\\d+|latest|\\.staging-.*")));
        // while the link is still down: the coordinator's piece resumed with the abort, the agent's by its lease
        grows("a.txt", 20);
        grows("b.txt", 20);
        assertFalse("the link is still down", hostState(b, "host-a").equals("up"));

        assertEquals(0, new ProcessBuilder("ip", "-n", n.b(), "link", "set", n.deviceB(), "up").inheritIO().start().waitFor());
        await("host-b to rejoin", () -> hostState(a, "host-b").equals("up"));
        awaitPartDeleted(bJob);
        awaitPieceRunning();
        JsonNode cp2 = cli(a).ok("checkpoint", "pair", "--json");
        assertEquals(cp2.toString(), 1, cp2.get("epoch").asInt());
        grows("a.txt", 10);
        grows("b.txt", 10);
    }
}
