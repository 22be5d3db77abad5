package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Jobs whose processes talk over TCP, UDP and Unix (stream, datagram, seqpacket) sockets, through bin/quiesce with the userspace backend and the
 * tcp fabric, as root and as {@code qtest}. Every program checks every byte it receives and ends with a verdict
 * line, so a lost, duplicated or reordered byte fails the test (programs: bundles/fabric-tcp/src/test/c/README).
 */
public class TcpScenariosIT extends JobScenarios {
    /** Long enough at ~25k hops/s that checkpoints land mid-run even on a slow CI machine. */
    private static final int RING_HOPS = 400_000;
    private static Path bin;

    @BeforeClass
    public static void compile() throws Exception {
        bin = compile("bundles/fabric-tcp/src/test/c", List.of("ring00.c", "tcpstream00.c", "socketpair00.c", "listen00.c",
                "halfclose00.c", "external00.c", "echoserver.c", "unixdgram00.c", "udp00.c", "unixlisten00.c"));
    }

    private static String program(String name) {
        return bin.resolve(name).toString();
    }

    /** The last hop a ring's progress file reports, 0 before the first. */
    private static long lastHop(Path progress) {
        Matcher m = Pattern.compile("(?m)^hop (\\d+) ").matcher(read(progress));
        long hop = 0;
        while (m.find()) {
            hop = Long.parseLong(m.group(1));
        }
        return hop;
    }

    private static void finishesOk(Cli cli, String name, Path log, String verdict) throws Exception {
        assertTrue(cli.user() + ":\n" + read(log), PlatformOptions.await(180000, () -> read(log).contains(verdict)));
        assertTrue(cli.user() + ":\n" + read(log), PlatformOptions.await(20000, () -> exitedOk(cli, name)));
        String text = read(log);
        assertFalse(cli.user() + ":\n" + text, text.contains("MISMATCH") || text.contains("FAIL") || text.contains("lost"));
    }

    @Test
    public void aRingOfFourKilledMidRunAndRestartedFinishesWithEveryHop() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path progress = cli.home().resolve("ring.progress");
            launch(cli, "ring", program("ring00"), "4", Integer.toString(RING_HOPS), "65536", progress.toString());
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> lastHop(progress) > 0));
            killAndRestartAll(cli, "ring");
            long saved = lastHop(progress);
            assertTrue("killed mid-run (" + cli.user() + ")", saved < RING_HOPS);
            finishesOk(cli, "ring", progress, "ring ok hops=" + RING_HOPS);
        }
    }

    @Test
    public void aRingCheckpointedTwentyTimesWhileRunningLosesNothing() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path progress = cli.home().resolve("ring20.progress");
            // the job runs on while each commit is written, so it gets further between checkpoints than its pauses say
            launch(cli, "ring20", program("ring00"), "4", Integer.toString(RING_HOPS * 5 / 2), "65536", progress.toString());
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> lastHop(progress) > 0));
            long before = lastHop(progress);
            for (int i = 1; i <= 19; i++) {
                JsonNode c = cli.ok("checkpoint", "ring20", "--json");
                assertEquals(i, c.get("epoch").asInt());
                assertFalse(c.get("killed").asBoolean());
            }
            assertTrue("the ring ran on between checkpoints (" + cli.user() + ")", lastHop(progress) > before);
            assertTrue("still mid-run after 19 checkpoints: make RING_HOPS larger (" + cli.user() + ")",
                    !read(progress).contains("ring ok"));
            // the 20th, with --kill, is a complete image: restart from it, then the ring must still finish exactly
            killAndRestartAll(cli, "ring20");
            finishesOk(cli, "ring20", progress, "ring ok hops=" + RING_HOPS * 5 / 2);
        }
    }

    @Test
    public void aBulkStreamBothWaysWithFullWindowsContinuesAndRestarts() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "stream", program("tcpstream00"), Long.toString(6L << 30));
            Path log = output(cli, "stream");
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> read(log).contains("port")));
            Thread.sleep(500); // full speed both ways: both windows full
            JsonNode c = cli.ok("checkpoint", "stream", "--json");
            assertFalse(c.get("killed").asBoolean());
            killAndRestartAll(cli, "stream");
            finishesOk(cli, "stream", log, "tcpstream ok bytes=" + (6L << 30));
        }
    }

    @Test
    public void aUnixSocketpairBetweenParentAndChildContinuesAndRestarts() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "pair", program("socketpair00"), Long.toString(8L << 30));
            Path log = output(cli, "pair");
            Thread.sleep(1000);
            cli.ok("checkpoint", "pair", "--json");
            killAndRestartAll(cli, "pair");
            finishesOk(cli, "pair", log, "socketpair ok bytes=" + (8L << 30));
        }
    }

    @Test
    public void aConnectionPendingInAListenersQueueIsAcceptedAfterRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path trigger = cli.home().resolve("listen.go");
            launch(cli, "listen", program("listen00"), "100000", trigger.toString());
            Path log = output(cli, "listen");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(log).contains("listen pending")
                    && read(log).contains("child connected")));
            cli.ok("checkpoint", "listen", "--json");
            killAndRestartAll(cli, "listen");
            Files.writeString(trigger, "go");
            finishesOk(cli, "listen", log, "listen ok bytes=100000");
        }
    }

    @Test
    public void queuedDatagramsAndPendingUnixConnectionsAreKeptThroughKillAndRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path dir = cli.home(); // the job's user can create its socket files there
            Path go = cli.home().resolve("dgram.go");
            launch(cli, "udg", program("unixdgram00"), dir.toString(), go.toString(), "50");
            launch(cli, "udp", program("udp00"), go.toString(), "30");
            launch(cli, "ulisten", program("unixlisten00"), dir.toString(), go.toString(), "100000");
            Path udg = output(cli, "udg"), udp = output(cli, "udp"), ulisten = output(cli, "ulisten");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(udg).contains("unixdgram child sent")
                    && read(udp).contains("udp child sent") && read(ulisten).contains("unixlisten pending")));
            for (String job : List.of("udg", "udp", "ulisten")) {
                cli.ok("checkpoint", job, "--json");
                killAndRestartAll(cli, job);
            }
            Files.writeString(go, "go");
            finishesOk(cli, "udg", udg, "unixdgram ok messages=216");
            finishesOk(cli, "udp", udp, "udp ok datagrams=76 outside=0");
            finishesOk(cli, "ulisten", ulisten, "unixlisten ok bytes=100000");
        }
    }

    @Test
    public void aHalfClosedConnectionKeepsItsEndOfFileAndItsOpenDirection() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path trigger = cli.home().resolve("half.go");
            launch(cli, "half", program("halfclose00"), Long.toString(2L << 30), "0", trigger.toString());
            Path log = output(cli, "half");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(log).contains("halfclose eof seen")));
            cli.ok("checkpoint", "half", "--json");
            killAndRestartAll(cli, "half");
            Files.writeString(trigger, "go");
            finishesOk(cli, "half", log, "halfclose ok bytes=" + (2L << 30));
        }
    }

    @Test
    public void aConnectionToAServerOutsideTheJobFollowsTheExternalPolicy() throws Exception {
        Path portFile = scratch.resolve("echo.port");
        Process echo = new ProcessBuilder(program("echoserver"), "-f", portFile.toString()).redirectErrorStream(true)
                .redirectOutput(scratch.resolve("echo.log").toFile()).start();
        try {
            assertTrue(PlatformOptions.await(10000, () -> Files.exists(portFile)));
            String port = Files.readString(portFile).trim();
            for (Cli cli : users()) {
                start(cli);
                // reconnect mode: after the platform reconnects it, requests go on over the new connection. One request
                // every 100 ms, so the checkpoint is most unlikely to land between a request and its echo: the echo's
                // bytes would be lost with the old connection, and the application would wait for them for ever
                launch(cli, "ext", program("external00"), "127.0.0.1", port, Long.toString(1L << 40), "reconnect", "4096", "100000");
                Path log = output(cli, "ext");
                assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(log).contains("connected")));
                JsonNode c = cli.ok("checkpoint", "ext", "--kill", "--json");
                assertTrue("the checkpoint reports the external peer: " + c.get("warnings"),
                        c.get("warnings").toString().contains("127.0.0.1:" + port));
                Cli.Run refused = cli.run("restart", "ext");
                assertEquals(cli.user() + ": " + refused.err(), 1, refused.exit());
                assertTrue(refused.err(), refused.err().contains("127.0.0.1:" + port) && refused.err().contains("--external"));
                assertEquals("a refused restart leaves nothing running", "checkpointed",
                        cli.ok("jobs", "ext", "--json").get(0).get("state").asText());
                assertEquals(2, cli.run("restart", "ext", "--external", "sometimes").exit());
                restartAll(cli, "ext", "--external", "reconnect");
                long requests = requests(read(log));
                assertTrue(cli.user() + ":\n" + read(log), PlatformOptions.await(30000, () -> requests(read(log)) > requests + 10));
                assertFalse(read(log), read(log).contains("MISMATCH"));
            }
        } finally {
            echo.destroyForcibly();
        }
    }

    /** How many requests external00 has had answered, from its progress lines. */
    private static long requests(String log) {
        Matcher m = Pattern.compile("requests=(\\d+)").matcher(log);
        long n = 0;
        while (m.find()) {
            n = Long.parseLong(m.group(1));
        }
        return n;
    }
}
