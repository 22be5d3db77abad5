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
import java.util.function.Predicate;
import org.junit.After;
import org.junit.Test;

/**
 * Platforms joining one another through bin/quiesce as a user would set a cluster up: {@code cluster init} on one
 * home, its key copied to another, one platform listening and the other joining over loopback; {@code hosts} on
 * both; an agent with another cluster key, or none, refused with the reason on both sides. Every wait is for a
 * state {@code hosts} reports, with a deadline.
 */
public class ClusterIT {
    private final List<Path> homes = new ArrayList<>();

    private Path home(String name) throws IOException {
        Path h = Files.createTempDirectory("quiesce-cluster-" + name + "-");
        homes.add(h);
        return h;
    }

    private static Cli.Run quiesce(Path home, String... args) throws IOException, InterruptedException {
        return Cli.of(home).run(args);
    }

    @After
    public void cleanUp() throws Exception {
        for (Path h : homes) {
            quiesce(h, "stop");
        }
    }

    /** Copies a cluster key as the README says: the folder 0700, its files 0600. */
    private static void copyKey(Path from, Path to) throws IOException {
        Path folder = Files.createDirectory(to.resolve("cluster"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (String f : List.of("cluster.p12", "cluster.pass")) {
            Files.copy(from.resolve("cluster").resolve(f), folder.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static JsonNode hosts(Path home) throws IOException, InterruptedException {
        Cli.Run r = quiesce(home, "hosts", "--json");
        assertEquals(r.err(), 0, r.exit());
        return r.json();
    }

    private static JsonNode host(JsonNode hosts, String name) {
        for (JsonNode h : hosts) {
            if (h.path("name").asText().equals(name)) {
                return h;
            }
        }
        return null;
    }

    /** Asks {@code hosts} until what it lists passes, for at most 60 s. */
    private static JsonNode awaitHosts(Path home, Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode h = hosts(home);
        while (!until.test(h)) {
            assertTrue("hosts never reached the expected state: " + h, System.nanoTime() < deadline);
            Thread.sleep(200); // polling a state the platform reports; the deadline bounds it
            h = hosts(home);
        }
        return h;
    }

    private static String fingerprint(Cli.Run show) {
        return show.out().lines().filter(l -> l.startsWith("fingerprint")).findFirst().orElse("none in: " + show.out() + show.err());
    }

    private static int listeningPort(Path home) throws Exception {
        String address = hosts(home).get(0).path("address").asText();
        assertTrue(address, address.startsWith("listening on 127.0.0.1:"));
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    @Test
    public void anAgentJoinsItsCoordinatorAndHostsListsBothUntilTheAgentStops() throws Exception {
        Path a = home("a");
        Path b = home("b");
        Cli.Run init = quiesce(a, "cluster", "init");
        assertEquals(init.err(), 0, init.exit());
        assertEquals("a second init must not replace the key", 1, quiesce(a, "cluster", "init").exit());
        copyKey(a, b);
        assertEquals(fingerprint(quiesce(a, "cluster", "show")), fingerprint(quiesce(b, "cluster", "show")));

        assertEquals(0, quiesce(a, "start", "--host", "host-a", "--listen", "127.0.0.1:0").exit());
        int port = listeningPort(a);
        assertEquals(0, quiesce(b, "start", "--host", "host-b", "--join", "127.0.0.1:" + port).exit());

        JsonNode onA = awaitHosts(a, h -> host(h, "host-b") != null && host(h, "host-b").path("state").asText().equals("up"));
        assertEquals("host-a", onA.get(0).path("name").asText());
        assertEquals("coordinator+agent", onA.get(0).path("role").asText());
        assertEquals("agent", host(onA, "host-b").path("role").asText());
        assertTrue(host(onA, "host-b").path("address").asText().startsWith("127.0.0.1:"));
        JsonNode onB = hosts(b);
        assertEquals("host-b", onB.get(0).path("name").asText());
        assertEquals("agent", onB.get(0).path("role").asText());
        assertEquals("up", host(onB, "host-a").path("state").asText());
        assertEquals("127.0.0.1:" + port, host(onB, "host-a").path("address").asText());

        // the coordinator asks the agent for its running jobs
        Cli.Run launch = quiesce(b, "launch", "--name", "nap", "--", "sleep", "600");
        assertEquals(launch.err(), 0, launch.exit());
        awaitHosts(a, h -> host(h, "host-b").path("jobs").asInt() == 1);
        Cli.Run table = quiesce(a, "hosts");
        assertTrue(table.out(), table.out().lines().anyMatch(l -> l.matches("host-b\\s+agent\\s+up\\s+127\\.0\\.0\\.1:\\d+\\s+\\S+\\s+1")));

        assertEquals(0, quiesce(b, "stop").exit());
        JsonNode lost = awaitHosts(a, h -> host(h, "host-b").path("state").asText().equals("lost"));
        assertTrue(lost.toString(), host(lost, "host-b").path("note").asText().contains("the agent host-b is stopping"));
        assertFalse(hosts(a).get(0).path("state").asText().equals("lost"));
    }

    @Test
    public void anAgentWithAnotherClusterKeyOrNoneIsRefusedAndBothSidesSayWhy() throws Exception {
        Path a = home("a");
        Path c = home("c");
        Path d = home("d");
        assertEquals(0, quiesce(a, "cluster", "init").exit());
        assertEquals(0, quiesce(c, "cluster", "init").exit());
        assertFalse(fingerprint(quiesce(a, "cluster", "show")).equals(fingerprint(quiesce(c, "cluster", "show"))));
        assertEquals(0, quiesce(a, "start", "--host", "host-a", "--listen", "127.0.0.1:0").exit());
        int port = listeningPort(a);

        assertEquals(0, quiesce(c, "start", "--host", "host-c", "--join", "127.0.0.1:" + port).exit());
        JsonNode onC = awaitHosts(c, h -> h.size() > 1 && h.get(1).path("note").asText().contains("not this cluster's key"));
        assertEquals("joining", onC.get(1).path("state").asText());
        assertTrue(onC.toString(), onC.get(1).path("note").asText().contains("TLS handshake failed: the coordinator's certificate"));
        Path log = a.resolve("logs/platform.log");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.readString(log).contains("different cluster key")) {
            assertTrue("the coordinator never said why it refused the agent: " + Files.readString(log), System.nanoTime() < deadline);
            Thread.sleep(200);
        }
        assertTrue(Files.readString(log).contains("refused the agent at /127.0.0.1:"));
        assertEquals("the refused agent is not listed", null, host(hosts(a), "host-c"));

        // no key at all: the platform runs on as a single host and says why
        assertEquals(0, quiesce(d, "start", "--host", "host-d", "--join", "127.0.0.1:" + port).exit());
        JsonNode onD = hosts(d);
        assertEquals(onD.toString(), 1, onD.size());
        assertTrue(onD.toString(), onD.get(0).path("note").asText().contains("no cluster key: make one on one host with `quiesce cluster init`"));

        assertEquals(2, quiesce(d, "cluster", "frob").exit());
        assertEquals(2, quiesce(home("e"), "start", "--join", "nowhere").exit());
    }
}
