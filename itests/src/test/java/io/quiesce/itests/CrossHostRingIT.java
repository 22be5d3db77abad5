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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;

/**
 * The TCP ring with its ranks spread over namespace hosts, every connection of the ring between two hosts: rank r
 * on host r mod H streams numbered messages of up to 64 KiB to rank r+1 every 5 ms and checks every message from
 * rank r-1, number and every byte. Checkpointed while it runs (each drains the connections over the link with both
 * ends frozen and hands the bytes taken to the sending host), then with {@code --kill}, and restarted on the same
 * hosts: the connections are rebuilt across the link before any rank runs, and every rank goes on from exactly the
 * next message. Then stopped, its output rolled back to the checkpoint, and restarted from the same checkpoint with
 * the last host's part mapped onto the first host ({@code --host-map}): the part's files are copied there over the
 * agents' link and checked, its sockets bound to the first host's address, and again every rank goes on from the
 * next message. Root only (it makes the namespaces).
 */
public class CrossHostRingIT {
    private static final long DEADLINE_NANOS = 90_000_000_000L;

    @Rule
    public final Platforms platforms = new Platforms("xring");

    private Path data;
    private int ranks;

    /** @return rank r's message numbers so far, checked to be 1, 2, 3, ...; fails with a rank's own complaint */
    private int received(int r) throws IOException {
        Path fail = data.resolve("rank" + r + ".fail");
        if (Files.exists(fail)) {
            StringBuilder all = new StringBuilder(Files.readString(fail).trim());
            for (int o = 0; o < ranks; o++) { // the first rank to fail explains the others
                Path f = data.resolve("rank" + o + ".fail");
                if (o != r && Files.exists(f)) {
                    all.append("; ").append(Files.readString(f).trim());
                }
            }
            throw new AssertionError(all.toString());
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
        int[] now = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            now[r] = received(r);
        }
        long end = System.nanoTime() + DEADLINE_NANOS;
        for (int r = 0; r < ranks; r++) {
            while (received(r) < now[r] + more) {
                assertTrue("rank " + r + " stalled at message " + received(r), System.nanoTime() < end);
                Thread.sleep(20); // polling the ranks' files; the deadline bounds it
            }
        }
    }

    @Test
    public void aRingOverTwoHostsIsCheckpointedKilledRestartedAndRestartedWithAHostMapped() throws Exception {
        ring(2, 5, 150);
    }

    @Test
    public void aRingOfSixRanksOverThreeHostsIsCheckpointedTwentyTimesKilledRestartedAndRestartedWithAHostMapped() throws Exception {
        ring(3, 20, 160);
    }

    private void ring(int hosts, int continues, long tagBase) throws Exception {
        assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        ranks = 2 * hosts;
        long tag = ProcessHandle.current().pid() % 50 + tagBase;
        ClusterIT.NamespaceHosts n = ClusterIT.namespaceHosts(platforms, "qzr", tag, hosts);
        String net = n.net();
        List<String> names = new ArrayList<>();
        List<Cli> cli = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            names.add("node-" + (char) ('a' + h));
            cli.add(platforms.track(Cli.of(platforms.home("ring-" + (char) ('a' + h))).inNamespace(n.names().get(h))));
        }
        Cli first = cli.get(0);
        assertEquals(0, first.run("cluster", "init").exit());
        for (int h = 1; h < hosts; h++) {
            copyKey(first.home(), cli.get(h).home());
        }
        int port = 7720 + hosts;
        assertEquals(0, first.run("start", "--host", names.get(0), "--listen", net + "1:" + port).exit());
        for (int h = 1; h < hosts; h++) {
            assertEquals(0, cli.get(h).run("start", "--host", names.get(h), "--join", net + "1:" + port).exit());
        }
        awaitHosts(first, all -> names.stream().skip(1).allMatch(x -> state(all, x, "up")));

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
        List<String> addrs = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            addrs.add(net + (r % hosts + 1));
        }
        for (int h = 0; h < hosts; h++) {
            List<String> here = new ArrayList<>();
            for (int r = h; r < ranks; r += hosts) {
                here.add(Integer.toString(r));
            }
            List<String> args = new ArrayList<>(h == 0 ? List.of("launch", "--json", "--name", "xring")
                    : List.of("launch", "--json", "--host", names.get(h), "--job", "xring"));
            args.addAll(List.of("--", "python3", ring, data.toString(), "7800", String.join(",", here), String.join(",", addrs)));
            first.ok(args.toArray(String[]::new));
        }
        JsonNode job = first.ok("jobs", "xring", "--json").get(0);
        assertEquals(job.toString(), hosts, job.get("pieces").size());
        trackPids(first);
        everyRankGets(50);

        for (int i = 1; i <= continues; i++) {
            JsonNode cp = first.ok("checkpoint", "xring", "--json");
            assertEquals(cp.toString(), i, cp.get("epoch").asInt());
            assertEquals(cp.toString(), 0, cp.get("warnings").size());
            everyRankGets(5);
        }
        JsonNode killed = first.ok("checkpoint", "xring", "--kill", "--json");
        assertTrue(killed.get("killed").asBoolean());
        String folder = killed.get("checkpoint").asText();
        int[] atKill = new int[ranks];
        for (int r = 0; r < ranks; r++) {
            atKill[r] = received(r);
        }
        first.ok("restart", "xring", "--json");
        for (JsonNode p : trackPids(first)) {
            assertFalse(p.toString(), p.get("pids").isEmpty());
        }
        everyRankGets(100); // and in order from the message after the last one received before the kill: received() checks
        for (int r = 0; r < ranks; r++) {
            assertTrue("rank " + r, received(r) > atKill[r] + 100);
        }

        // the same checkpoint again, the last host's part on the first host: stop the ring, roll its output back
        stop(first);
        for (int r = 0; r < ranks; r++) {
            // a rank that outlived its predecessor by a moment during the stop saw it close: not a fault of the ring
            Files.deleteIfExists(data.resolve("rank" + r + ".fail"));
            Path f = data.resolve("rank" + r + ".txt");
            String[] lines = Files.readString(f).split("\n", -1);
            Files.writeString(f, String.join("\n", java.util.Arrays.asList(lines).subList(0, atKill[r])) + "\n");
        }
        String last = names.get(hosts - 1);
        Cli.Run unknown = first.run("restart", folder, "--host-map", "node-z=" + names.get(0));
        assertTrue(unknown.err(), unknown.exit() != 0 && unknown.err().contains("node-z") && unknown.err().contains("has no part"));
        Cli.Run nowhere = first.run("restart", folder, "--host-map", last + "=node-q");
        assertTrue(nowhere.err(), nowhere.exit() != 0 && nowhere.err().contains("node-q"));
        for (JsonNode p : first.ok("jobs", "xring", "--json").get(0).get("pieces")) {
            assertTrue("nothing runs after a refused restart: " + p, p.get("pids").isEmpty());
        }
        JsonNode moved = first.ok("restart", folder, "--host-map", last + "=" + names.get(0), "--files", "keep", "--json");
        String warnings = moved.get("warnings").toString();
        assertTrue(warnings, warnings.contains("the part of host " + last + " was copied from host " + last + " to host " + names.get(0)));
        assertTrue(warnings, warnings.contains("the part of host " + last + " runs on host " + names.get(0)));
        // every host's ranks listen on the same ports: the moved ranks' listeners take fresh ones there
        assertTrue(warnings, warnings.contains("which is taken on this host: it listens on"));
        JsonNode onFirst = null;
        for (JsonNode p : trackPids(first)) {
            if (p.get("host").asText().equals(names.get(0))) {
                onFirst = p;
            } else if (p.get("host").asText().equals(last)) {
                assertTrue(p.toString(), p.get("pids").isEmpty());
            }
        }
        assertTrue("the first host runs its own ranks and the last host's", onFirst != null && onFirst.get("pids").size() >= 4);
        everyRankGets(100);
        for (int r = 0; r < ranks; r++) {
            assertTrue("rank " + r, received(r) > atKill[r] + 100);
        }
        // both process trees on the first host are one piece of the job: checkpointed together, and the ring goes on;
        // killed and restarted from that checkpoint, they come back where they ran, the last host taking no part
        JsonNode again = first.ok("checkpoint", "xring", "--json");
        assertEquals(again.toString(), continues + 2, again.get("epoch").asInt());
        assertEquals(again.toString(), 0, again.get("warnings").size());
        everyRankGets(50);
        assertTrue(first.ok("checkpoint", "xring", "--kill", "--json").get("killed").asBoolean());
        for (int r = 0; r < ranks; r++) {
            atKill[r] = received(r);
        }
        first.ok("restart", "xring", "--json");
        List<String> hostsNow = new ArrayList<>();
        for (JsonNode p : trackPids(first)) {
            hostsNow.add(p.get("host").asText());
        }
        assertEquals("one piece per host that runs a part, none on " + last, names.subList(0, hosts - 1), hostsNow);
        everyRankGets(50);
        for (int r = 0; r < ranks; r++) {
            assertTrue("rank " + r, received(r) > atKill[r] + 50);
        }
    }

    /** @return the job's pieces, every PID of them killed after the test */
    private List<JsonNode> trackPids(Cli first) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : first.ok("jobs", "xring", "--json").get(0).get("pieces")) {
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
            out.add(p);
        }
        return out;
    }

    /** Kills every process of the ring on every host and waits until no host reports one. */
    private void stop(Cli first) throws Exception {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (true) {
            boolean any = false;
            for (JsonNode p : first.ok("jobs", "xring", "--json").get(0).get("pieces")) {
                for (JsonNode pid : p.get("pids")) {
                    any = true;
                    ProcessHandle.of(pid.asLong()).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            if (!any) {
                return;
            }
            assertTrue("the ring's processes are gone", System.nanoTime() < end);
            Thread.sleep(50); // jobs asks /proc on every host; the deadline bounds it
        }
    }
}
