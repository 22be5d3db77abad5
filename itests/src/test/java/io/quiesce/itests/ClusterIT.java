package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Predicate;
import org.junit.Rule;
import org.junit.Test;

/**
 * Platforms joining one another through bin/quiesce as a user would set a cluster up: {@code cluster init} on one
 * home, its key copied to another, one platform listening and the other joining over loopback; {@code hosts} on
 * both; an agent with another cluster key, or none, refused with the reason on both sides. Every wait is for a
 * state {@code hosts} reports, with a deadline.
 */
public class ClusterIT {
    @Rule
    public final Platforms platforms = new Platforms("cluster");

    private Path home(String name) throws IOException {
        return platforms.home(name);
    }

    private static Cli.Run quiesce(Path home, String... args) throws IOException, InterruptedException {
        return Platforms.quiesce(home, args);
    }

    static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(String.join(" ", cmd) + " finished", p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return p.exitValue();
    }

    static void ok(String... cmd) throws IOException, InterruptedException {
        assertEquals(String.join(" ", cmd), 0, sh(cmd));
    }

    /** Two network namespaces joined by a veth link: {@code net}1 in a, {@code net}2 in b; device {@code qzv<tag>b} in b. */
    record NamespacePair(String a, String b, String net, String deviceB) {
    }

    /**
     * Network namespace hosts on one link: host i (from 0) is {@code names[i]} with address {@code net}(i+1) on
     * device {@code devices[i]}.
     */
    record NamespaceHosts(List<String> names, String net, List<String> devices) {
    }

    /** Makes two namespace hosts (deleted after the test, once its platforms stopped); tags keep runs apart. */
    static NamespacePair namespacePair(Platforms platforms, String prefix, long tag) throws IOException, InterruptedException {
        NamespaceHosts h = namespaceHosts(platforms, prefix, tag, 2);
        return new NamespacePair(h.names().get(0), h.names().get(1), h.net(), h.devices().get(1));
    }

    /**
     * Makes {@code count} namespace hosts (deleted after the test, once its platforms stopped): two are joined by
     * one veth link; more by a veth link each to a bridge in a namespace of its own (a switch). Tags keep runs apart.
     */
    static NamespaceHosts namespaceHosts(Platforms platforms, String prefix, long tag, int count) throws IOException, InterruptedException {
        String net = "10.231." + tag + ".";
        List<String> names = new java.util.ArrayList<>();
        List<String> devices = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(prefix + tag + (char) ('a' + i));
            devices.add("qzv" + tag + (char) ('a' + i));
        }
        String sw = prefix + tag + "sw";
        List<String> all = new java.util.ArrayList<>(names);
        if (count > 2) {
            all.add(sw);
        }
        for (String ns : all) {
            sh("ip", "netns", "del", ns); // a leftover of an interrupted run
            ok("ip", "netns", "add", ns);
            platforms.atEnd(() -> sh("ip", "netns", "del", ns));
            ok("ip", "-n", ns, "link", "set", "lo", "up");
        }
        if (count == 2) {
            ok("ip", "link", "add", devices.get(0), "netns", names.get(0), "type", "veth", "peer", "name", devices.get(1), "netns", names.get(1));
        } else {
            ok("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
            ok("ip", "-n", sw, "link", "set", "br0", "up");
            for (int i = 0; i < count; i++) {
                String port = "qzp" + tag + (char) ('a' + i);
                ok("ip", "link", "add", devices.get(i), "netns", names.get(i), "type", "veth", "peer", "name", port, "netns", sw);
                ok("ip", "-n", sw, "link", "set", port, "master", "br0");
                ok("ip", "-n", sw, "link", "set", port, "up");
            }
        }
        for (int i = 0; i < count; i++) {
            ok("ip", "-n", names.get(i), "addr", "add", net + (i + 1) + "/24", "dev", devices.get(i));
            ok("ip", "-n", names.get(i), "link", "set", devices.get(i), "up");
        }
        return new NamespaceHosts(List.copyOf(names), net, List.copyOf(devices));
    }

    /** Copies a cluster key as the README says: the folder 0700, its files 0600. */
    static void copyKey(Path from, Path to) throws IOException {
        Path folder = Files.createDirectory(to.resolve("cluster"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (String f : List.of("cluster.p12", "cluster.pass")) {
            Files.copy(from.resolve("cluster").resolve(f), folder.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static JsonNode hosts(Path home) throws IOException, InterruptedException {
        return hosts(Cli.of(home));
    }

    static JsonNode hosts(Cli cli) throws IOException, InterruptedException {
        Cli.Run r = cli.run("hosts", "--json");
        assertEquals(r.err(), 0, r.exit());
        return r.json();
    }

    static JsonNode host(JsonNode hosts, String name) {
        for (JsonNode h : hosts) {
            if (h.path("name").asText().equals(name)) {
                return h;
            }
        }
        return null;
    }

    /** Asks {@code hosts} until what it lists passes, for at most 60 s. */
    private static JsonNode awaitHosts(Path home, Predicate<JsonNode> until) throws Exception {
        return awaitHosts(Cli.of(home), until);
    }

    static JsonNode awaitHosts(Cli cli, Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode h = hosts(cli);
        while (!until.test(h)) {
            assertTrue("hosts never reached the expected state: " + h, System.nanoTime() < deadline);
            Thread.sleep(200); // polling a state the platform reports; the deadline bounds it
            h = hosts(cli);
        }
        return h;
    }

    static boolean state(JsonNode hosts, String name, String state) {
        JsonNode h = host(hosts, name);
        return h != null && h.path("state").asText().equals(state);
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

    /**
     * Two hosts for real: a network namespace each, joined by a veth link the test makes, one platform in each with
     * its own home. The agent joins across the link; the link is cut ({@code ip link set down}): both ends notice
     * within the loss deadline; it comes back: the agent joins again, listed once.
     */
    @Test
    public void agentsOnNamespaceHostsJoinOverAVethLinkAndRejoinAfterTheLinkIsCut() throws Exception {
        assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        long tag = ProcessHandle.current().pid() % 100 + 20;
        NamespacePair n = namespacePair(platforms, "qzc", tag);
        String nsA = n.a();
        String nsB = n.b();
        String net = n.net();

        Path a = home("ns-a");
        Path b = home("ns-b");
        Cli hostA = Cli.of(a).inNamespace(nsA);
        Cli hostB = Cli.of(b).inNamespace(nsB);
        platforms.track(hostA);
        platforms.track(hostB); // stopped first, then hostA, then the namespaces deleted
        assertEquals(0, hostA.run("cluster", "init").exit());
        copyKey(a, b);
        assertEquals(0, hostA.run("start", "--host", "node-a", "--listen", net + "1:7710").exit());
        assertEquals(0, hostB.run("start", "--host", "node-b", "--join", net + "1:7710").exit());

        JsonNode onA = awaitHosts(hostA, h -> state(h, "node-b", "up"));
        assertTrue(onA.toString(), host(onA, "node-b").path("address").asText().startsWith(net + "2:"));
        assertEquals(net + "1:7710", host(awaitHosts(hostB, h -> state(h, "node-a", "up")), "node-a").path("address").asText());

        ok("ip", "-n", nsB, "link", "set", n.deviceB(), "down");
        JsonNode lost = awaitHosts(hostA, h -> state(h, "node-b", "lost"));
        assertTrue(lost.toString(), host(lost, "node-b").path("note").asText().contains("nothing heard for 5 s"));
        JsonNode alone = awaitHosts(hostB, h -> h.size() > 1 && h.get(1).path("state").asText().equals("joining"));
        assertFalse(alone.toString(), alone.get(1).path("note").isNull());

        ok("ip", "-n", nsB, "link", "set", n.deviceB(), "up");
        JsonNode back = awaitHosts(hostA, h -> state(h, "node-b", "up"));
        assertEquals(back.toString(), 2, back.size());
        awaitHosts(hostB, h -> state(h, "node-a", "up"));
    }
}
