package io.quiesce.itests;

import static io.quiesce.itests.ClusterIT.awaitHosts;
import static io.quiesce.itests.ClusterIT.copyKey;
import static io.quiesce.itests.ClusterIT.state;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;

/**
 * The TCP ring with its ranks on two namespace hosts, every connection of the ring between the hosts: rank r on
 * host a (r even) or b (r odd) streams numbered messages of up to 64 KiB to rank r+1 every 5 ms and checks every
 * message from rank r-1, number and every byte. Checkpointed twenty times while it runs (each drains the
 * connections over the veth link with both ends frozen and hands the bytes taken to the sending host), then with
 * {@code --kill}, and restarted on the same hosts: the connections are rebuilt across the link before any rank
 * runs, and every rank goes on from exactly the next message. Root only (it makes the namespaces).
 */
public class CrossHostRingIT {
    private static final long DEADLINE_NANOS = 90_000_000_000L;
    private static final int RANKS = 4;

    @Rule
    public final Platforms platforms = new Platforms("xring");

    private Path data;

    /** @return rank r's message numbers so far, checked to be 1, 2, 3, ...; fails with a rank's own complaint */
    private int received(int r) throws IOException {
        Path fail = data.resolve("rank" + r + ".fail");
        if (Files.exists(fail)) {
            throw new AssertionError(Files.readString(fail).trim());
        }
        Path f = data.resolve("rank" + r + ".txt");
        if (!Files.exists(f)) {
            return 0;
        }
        String[] lines = Files.readString(f).split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) { // the last may still be being written
            assertEquals("rank " + r + ": line " + (i + 1) + ": a message was lost or repeated", Integer.toString(i + 1), lines[i]);
        }
        return lines.length - 1;
    }

    /** Waits until every rank received {@code more} messages more than now. */
    private void everyRankGets(int more) throws Exception {
        int[] now = new int[RANKS];
        for (int r = 0; r < RANKS; r++) {
            now[r] = received(r);
        }
        long end = System.nanoTime() + DEADLINE_NANOS;
        for (int r = 0; r < RANKS; r++) {
            while (received(r) < now[r] + more) {
                assertTrue("rank " + r + " stalled at message " + received(r), System.nanoTime() < end);
                Thread.sleep(20); // polling the ranks' files; the deadline bounds it
            }
        }
    }

    @Test
    public void aRingAcrossTwoHostsIsCheckpointedTwentyTimesKilledAndRestartedWithEveryMessageOnce() throws Exception {
        assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        long tag = ProcessHandle.current().pid() % 100 + 130;
        ClusterIT.NamespacePair n = ClusterIT.namespacePair(platforms, "qzr", tag);
        String net = n.net();
        Path a = platforms.home("ring-a");
        Path b = platforms.home("ring-b");
        Cli hostA = platforms.track(Cli.of(a).inNamespace(n.a()));
        Cli hostB = platforms.track(Cli.of(b).inNamespace(n.b()));
        assertEquals(0, hostA.run("cluster", "init").exit());
        copyKey(a, b);
        assertEquals(0, hostA.run("start", "--host", "node-a", "--listen", net + "1:7720").exit());
        assertEquals(0, hostB.run("start", "--host", "node-b", "--join", net + "1:7720").exit());
        awaitHosts(hostA, h -> state(h, "node-b", "up"));

        data = Files.createTempDirectory("quiesce-xring-");
        platforms.atEnd(() -> {
            try (Stream<Path> s = Files.list(data)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(data);
        });
        String ring = PlatformOptions.root().resolve("itests/src/test/cluster/ring.py").toString();
        String addrs = net + "1," + net + "2," + net + "1," + net + "2";
        JsonNode job = hostA.ok("launch", "--json", "--name", "xring", "--", "python3", ring, data.toString(), "7800", "0,2", addrs);
        hostA.ok("launch", "--json", "--host", "node-b", "--job", "xring", "--", "python3", ring, data.toString(), "7800", "1,3", addrs);
        job = hostA.ok("jobs", "xring", "--json").get(0);
        for (JsonNode p : job.get("pieces")) {
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
        }
        assertEquals(job.toString(), 2, job.get("pieces").size());
        everyRankGets(50);

        for (int i = 1; i <= 20; i++) {
            JsonNode cp = hostA.ok("checkpoint", "xring", "--json");
            assertEquals(cp.toString(), i, cp.get("epoch").asInt());
            assertEquals(cp.toString(), 0, cp.get("warnings").size());
            everyRankGets(5);
        }
        JsonNode killed = hostA.ok("checkpoint", "xring", "--kill", "--json");
        assertTrue(killed.get("killed").asBoolean());
        int[] atKill = new int[RANKS];
        for (int r = 0; r < RANKS; r++) {
            atKill[r] = received(r);
        }
        JsonNode restarted = hostA.ok("restart", "xring", "--json");
        restarted.get("pids").forEach(p -> platforms.kill(p.asLong()));
        for (JsonNode p : hostA.ok("jobs", "xring", "--json").get(0).get("pieces")) {
            assertFalse(p.toString(), p.get("pids").isEmpty());
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
        }
        everyRankGets(100); // and in order from the message after the last one received before the kill: received() checks
        for (int r = 0; r < RANKS; r++) {
            assertTrue("rank " + r, received(r) > atKill[r] + 100);
        }
    }
}
