package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    /** Two platforms: host-a listens, host-b joins it; returns once the coordinator lists host-b as up. */
    private void cluster() throws Exception {
        a = platforms.home("a");
        b = platforms.home("b");
        data = Files.createTempDirectory("quiesce-dist-data-");
        platforms.atEnd(() -> deleteTree(data));
        ok(a, "cluster", "init");
        Path folder = Files.createDirectory(b.resolve("cluster"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (String f : List.of("cluster.p12", "cluster.pass")) {
            Files.copy(a.resolve("cluster").resolve(f), folder.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        ok(a, "start", "--host", "host-a", "--listen", "127.0.0.1:0");
        String address = Cli.of(a).ok("hosts", "--json").get(0).path("address").asText();
        port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        joinB();
    }

    private void joinB() throws Exception {
        ok(b, "start", "--host", "host-b", "--join", "127.0.0.1:" + port);
        await("host-b up on the coordinator", () -> hostState(a, "host-b").equals("up"));
    }

    private static String hostState(Path home, String name) {
        try {
            for (JsonNode h : Cli.of(home).ok("hosts", "--json")) {
                if (h.path("name").asText().equals(name)) {
                    return h.path("state").asText();
                }
            }
        } catch (Exception | AssertionError e) {
            return "?";
        }
        return "none";
    }

    private static void ok(Path home, String... args) throws Exception {
        Cli.Run r = Cli.of(home).run(args);
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
        JsonNode job = Cli.of(a).ok(args.toArray(String[]::new));
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
        return Cli.of(home).ok("jobs", "pair", "--json").get(0);
    }

    private static JsonNode piece(JsonNode job, String host) {
        for (JsonNode p : job.get("pieces")) {
            if (p.path("host").asText().equals(host)) {
                return p;
            }
        }
        throw new AssertionError("no piece on " + host + ": " + job);
    }

    private static long platformPid(Path home) throws Exception {
        return Cli.of(home).ok("status", "--json").path("pid").asLong();
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
        Cli.Run table = Cli.of(a).run("jobs");
        assertTrue(table.out(), table.out().contains("host-a:") && table.out().contains(" host-b:"));
        // on the agent, the piece is a job of its coordinator's: checkpointed there, not here
        Cli.Run refused = Cli.of(b).run("checkpoint", id);
        assertTrue(refused.err(), refused.exit() != 0 && refused.err().contains("piece of a job of the coordinator host-a"));
        // a second piece of the job on one host is refused
        Cli.Run twice = Cli.of(a).run("launch", "--host", "host-b", "--job", "pair", "--", "sleep", "1");
        assertTrue(twice.err(), twice.exit() != 0 && twice.err().contains("already runs on host host-b"));

        grows("a.txt", 20);
        grows("b.txt", 20);
        for (int i = 1; i <= 3; i++) {
            JsonNode cp = Cli.of(a).ok("checkpoint", "pair", "--json");
            assertEquals(i, cp.get("epoch").asInt());
            assertEquals(cp.toString(), 0, cp.get("warnings").size());
            grows("a.txt", 10);
            grows("b.txt", 10);
        }
        // the manifest on the coordinator lists both parts; each store holds its own host's part, nothing staged
        JsonNode manifest = Cli.of(a).ok("inspect", "pair", "--json");
        List<String> hosts = new ArrayList<>();
        manifest.get("hosts").forEach(h -> hosts.add(h.get("host").asText()));
        assertEquals(List.of("host-a", "host-b"), hosts.stream().sorted().toList());
        assertTrue(manifest.toString(), manifest.toString().contains("\"host-b/"));
        assertEquals(List.of("host-a", "manifest.hmac", "manifest.json", "restart.sh"), names(storeJob(a, id).resolve("3")));
        // the agent keeps the coordinator's manifest beside its part (marked: not a checkpoint of its own)
        assertEquals(List.of("coordinator", "host-b", "manifest.json"), names(storeJob(b, id).resolve("3")));
        assertEquals(0, Cli.of(b).ok("checkpoints", "--json").size());
        assertFalse(names(storeJob(b, id)).toString(), names(storeJob(b, id)).stream().anyMatch(n -> n.startsWith(".part-")));

        JsonNode killed = Cli.of(a).ok("checkpoint", "pair", "--kill", "--json");
        assertTrue(killed.get("killed").asBoolean());
        assertEquals("checkpointed", piecesOf(a).get("state").asText());
        assertEquals("the agent's piece is gone too", 0, piece(piecesOf(a), "host-b").get("pids").size());
        int atKillA = lines("a.txt").size();
        int atKillB = lines("b.txt").size();

        JsonNode restarted = Cli.of(a).ok("restart", "pair", "--json");
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
        Thread killer = new Thread(() -> {
            try {
                await("host-b to write its part", () -> dumping(bJob));
                ProcessHandle.of(agentJvm).ifPresent(ProcessHandle::destroyForcibly);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        killer.start();
        Cli.Run cp = Cli.of(a).run("checkpoint", "pair", "--json");
        killer.join();
        assertTrue(cp.out() + cp.err(), cp.exit() != 0 && cp.err().contains("host-b"));
        // nothing of the epoch is visible; the coordinator's piece runs on, and so does the agent's (its tracer died)
        assertEquals(0, Cli.of(a).ok("checkpoints", "pair", "--json").size());
        assertFalse(names(storeJob(a, id)).toString(), names(storeJob(a, id)).stream().anyMatch(n -> n.matches("\\d+|latest|\\.staging-.*")));
        grows("a.txt", 20);
        grows("b.txt", 20);
        assertTrue("the killed agent left its staged part", names(bJob).stream().anyMatch(n -> n.startsWith(".part-")));

        joinB(); // the agent comes back, asks what became of the epoch, and deletes its part
        await("host-b to delete its staged part", () -> {
            try {
                return names(bJob).stream().noneMatch(n -> n.startsWith(".part-"));
            } catch (IOException e) {
                return false;
            }
        });
        await("host-b's piece listed as running", () -> {
            try {
                return piece(piecesOf(a), "host-b").path("state").asText().equals("running");
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode cp2 = Cli.of(a).ok("checkpoint", "pair", "--json");
        assertEquals(cp2.toString(), 1, Cli.of(a).ok("checkpoints", "pair", "--json").size());
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
        Thread killer = new Thread(() -> {
            try {
                await("host-b to write its part", () -> dumping(bJob));
                ProcessHandle.of(coordinatorJvm).ifPresent(ProcessHandle::destroyForcibly);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        killer.start();
        Cli.Run cp = Cli.of(a).run("checkpoint", "pair", "--json");
        killer.join();
        assertTrue(cp.out() + cp.err(), cp.exit() != 0);
        // the agent's lease ends with the link: its piece runs on; the coordinator's piece lost its tracer and runs on
        grows("b.txt", 20);
        grows("a.txt", 20);
        await("the agent to notice", () -> !hostState(b, "host-a").equals("up"));

        // the coordinator comes back: its staging is discarded; the agent rejoins and deletes its part
        ok(a, "start", "--host", "host-a", "--listen", "127.0.0.1:" + port);
        await("host-b to rejoin", () -> hostState(a, "host-b").equals("up"));
        await("host-b to delete its staged part", () -> {
            try {
                return names(bJob).stream().noneMatch(n -> n.startsWith(".part-"));
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals(0, Cli.of(a).ok("checkpoints", "pair", "--json").size());
        JsonNode job = piecesOf(a);
        assertEquals(job.toString(), "running", job.get("state").asText());
        assertEquals(job.toString(), "running", piece(job, "host-b").path("state").asText());
        JsonNode cp2 = Cli.of(a).ok("checkpoint", "pair", "--json");
        assertEquals(1, cp2.get("epoch").asInt());
        grows("a.txt", 10);
        grows("b.txt", 10);
    }
}
