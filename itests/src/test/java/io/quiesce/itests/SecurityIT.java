package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.shell.ControlToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Rule;
import org.junit.Test;

/**
 * Attacks on the platform and its client, each performed for real through bin/quiesce and the control port, and
 * each shown refused: a home prepared by another user, a process squatting the port a dead platform left in
 * {@code control}, floods and idle connections on the control port, and a platform stopped while a job is frozen.
 */
public class SecurityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Rule
    public final Platforms platforms = new Platforms("sec");

    private Path home(String name) throws IOException {
        return platforms.home(name);
    }

    private static Cli.Run quiesce(Path home, String... args) throws IOException, InterruptedException {
        return Platforms.quiesce(home, args);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    /**
     * Attack 1: user qtest makes a home whose token is a link to a file of root's; root starts a platform on it. Both
     * the client and the platform itself refuse the home, and the linked file keeps its mode and is not used.
     */
    @Test
    public void aHomePreparedByAnotherUserIsRefusedByTheClientAndByThePlatform() throws Exception {
        assumeTrue("root runs the platform, qtest prepares the home", "root".equals(System.getProperty("user.name")));
        Path victim = Files.createTempFile("quiesce-sec-victim-", ".txt");
        Files.writeString(victim, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        Path home = Path.of("/tmp/quiesce-sec-planted-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        assertEquals(0, run("runuser", "-u", "qtest", "--", "mkdir", home.toString()));
        assertEquals(0, run("runuser", "-u", "qtest", "--", "ln", "-s", victim.toString(), home.resolve("token").toString()));
        try {
            Cli.Run start = quiesce(home, "start");
            assertEquals(start.err(), 3, start.exit());
            assertTrue(start.err(), start.err().contains("refusing " + home + " is owned by qtest (uid "));
            assertFalse(Files.exists(home.resolve("control")));

            // the platform itself, started without bin/quiesce on that home, refuses it too
            Path out = Files.createTempFile("quiesce-sec-platform-", ".log");
            Process p = new ProcessBuilder("java", "-Dquiesce.home=" + home, "-Dgosh.args=--nointeractive --noshutdown",
                    "-Dorg.osgi.framework.storage=" + Files.createTempDirectory("quiesce-sec-cache-"), "-jar",
                    PlatformOptions.root().resolve("distro/target/quiesce.jar").toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                assertTrue("the coordinator refuses the home", PlatformOptions.await(60000, () -> {
                    try {
                        return Files.readString(out).contains("refusing " + home + " is owned by qtest");
                    } catch (IOException e) {
                        return false;
                    }
                }));
            } finally {
                p.destroyForcibly().waitFor();
            }
            assertFalse("no control port was opened", Files.exists(home.resolve("control")));
            assertEquals("the linked file is not chmodded", "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)));
            assertEquals("nor written", "0123456789abcdef0123456789abcdef\n", Files.readString(victim));
            assertTrue(Files.isSymbolicLink(home.resolve("token")));
        } finally {
            run("rm", "-rf", home.toString());
            Files.deleteIfExists(victim);
        }
    }

    /**
     * Attack 2: the platform dies and another process listens on the port left in {@code control}. It greets like the
     * platform but cannot prove the token: the client sends it nothing but a nonce (no command, no secret from the
     * environment), reports it as not the platform, and start starts a real one.
     */
    @Test
    public void aProcessOnADeadPlatformsPortGetsNoCommandAndNoEnvironment() throws Exception {
        Path home = home("squat");
        assertEquals(0, quiesce(home, "start").exit());
        long platform = quiesce(home, "status", "--json").json().get("pid").asLong();
        String address = Files.readString(home.resolve("control")).trim();
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        ProcessHandle.of(platform).orElseThrow().destroyForcibly();
        assertTrue(PlatformOptions.await(30000, () -> !alive(platform)));
        try (ServerSocket squat = new ServerSocket()) {
            squat.setReuseAddress(true);
            squat.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                try {
                    squat.setSoTimeout(60000);
                    while (true) {
                        try (Socket s = squat.accept()) {
                            s.getOutputStream().write("{\"quiesce\":2,\"nonce\":\"00112233445566778899aabbccddeeff\"}\n".getBytes(StandardCharsets.UTF_8));
                            s.setSoTimeout(15000);
                            InputStream in = s.getInputStream();
                            for (int c; (c = in.read()) >= 0;) {
                                all.write(c);
                                if (c == '\n') {
                                    s.getOutputStream().write(("{\"proof\":\"" + "ab".repeat(32) + "\"}\n").getBytes(StandardCharsets.UTF_8));
                                }
                            }
                        }
                        if (all.toString().contains("STOP")) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    all.writeBytes(("\nsquatter: " + e).getBytes(StandardCharsets.UTF_8));
                }
                return all.toString(StandardCharsets.UTF_8);
            });
            ProcessBuilder pb = new ProcessBuilder(PlatformOptions.root().resolve("bin/quiesce").toString(), "launch", "--", "sh", "-c", "echo $SECRET");
            pb.environment().put("QUIESCE_HOME", home.toString());
            pb.environment().put("SECRET", "hunter2-" + System.nanoTime());
            Process client = pb.redirectErrorStream(true).start();
            String said = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(60, TimeUnit.SECONDS));
            assertEquals(said, 3, client.exitValue());
            assertTrue(said, said.contains("the process listening on " + address + " is not the platform of this home: it could not prove it holds the token"));
            // start reports the squatter, does not call it "already running", and starts a platform on a new port
            Cli.Run start = quiesce(home, "start");
            assertEquals(start.err(), 0, start.exit());
            assertTrue(start.err(), start.err().contains("is not the platform of this home"));
            assertFalse(start.out(), start.out().contains("already running"));
            assertTrue(alive(quiesce(home, "status", "--json").json().get("pid").asLong()));
            // let the squatter end: a raw connection that says STOP
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write("STOP\n".getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
            }
            String got = received.get(60, TimeUnit.SECONDS);
            for (String line : got.split("\n")) {
                assertTrue("only nonces crossed: " + got, line.matches("\\{\"nonce\":\"[0-9a-f]{32}\"\\}|STOP"));
            }
            assertFalse(got, got.contains("hunter2") || got.contains("launch") || got.contains("auth"));
        }
    }

    /** A client of the control port that speaks the protocol itself. */
    private static final class Raw implements AutoCloseable {
        final Socket s;
        final InputStream in;
        final OutputStream out;

        Raw(int port) throws IOException {
            s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(30000);
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        /** @return the next line, or null at end of stream */
        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != '\n';) {
                if (c < 0) {
                    return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
                }
                b.write(c);
            }
            return b.toString(StandardCharsets.UTF_8);
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Handshake up to the client's proof; {@code token} null sends a wrong one. */
        void authenticate(ControlToken token, int port) throws IOException {
            String sn = JSON.readTree(line()).get("nonce").asText();
            String cn = ControlToken.nonce();
            send("{\"nonce\":\"" + cn + "\"}\n");
            JsonNode proof = JSON.readTree(line());
            assertTrue(proof.has("proof"));
            send("{\"auth\":\"" + (token == null ? "00".repeat(32) : token.clientProof(port, sn, cn)) + "\"}\n");
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    private static long rssKiB(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
    }

    /**
     * Attack 3: floods and idle connections on the control port, without the token. Connections beyond the cap are
     * closed at once; idle ones after the handshake deadline; 200 connections sending 15 MiB lines are cut after a
     * few hundred bytes and the platform's memory does not grow by gigabytes; a wrong-token flood adds a few lines of
     * log, not one per attempt; two requests on one connection get the first one's reply.
     */
    @Test
    public void theControlPortRefusesFloodsAndIdleConnections() throws Exception {
        Path home = home("flood");
        assertEquals(0, quiesce(home, "start").exit());
        long platform = quiesce(home, "status", "--json").json().get("pid").asLong();
        String address = Files.readString(home.resolve("control")).trim();
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        ControlToken token = ControlToken.load(home.resolve("token"));

        // a cap on connections: 40 idle ones, at most 32 greeted
        List<Raw> idle = new ArrayList<>();
        int greeted = 0;
        int closed = 0;
        for (int i = 0; i < 40; i++) {
            Raw r = new Raw(port);
            idle.add(r);
            if (r.line() == null) {
                closed++;
            } else {
                greeted++;
            }
        }
        assertTrue(greeted + " greeted", greeted <= 32);
        assertTrue(closed + " closed", closed >= 8);
        // idle connections are closed after the handshake deadline (10 s), without a reply
        long t0 = System.nanoTime();
        Raw first = idle.get(0);
        assertEquals(null, first.line());
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("closed by the server within the deadline: " + waited + " ms", waited < 20000);
        System.out.println("cap: " + greeted + " of 40 greeted, " + closed + " closed at once; an idle one closed after " + waited + " ms more");
        for (Raw r : idle) {
            r.close();
        }
        assertEquals("a client gets in again", 0, quiesce(home, "status").exit());

        // 200 connections each sending a 15 MiB line without the token
        long rssBefore = rssKiB(platform);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger cut = new AtomicInteger();
        List<Future<?>> floods = new ArrayList<>();
        byte[] chunk = new byte[64 << 10];
        java.util.Arrays.fill(chunk, (byte) 'x');
        for (int i = 0; i < 200; i++) {
            floods.add(pool.submit(() -> {
                try (Raw r = new Raw(port)) {
                    r.line();
                    long sent = 0;
                    try {
                        while (sent < 15L << 20) {
                            r.out.write(chunk);
                            sent += chunk.length;
                        }
                        r.s.setSoTimeout(15000);
                        if (r.in.read() < 0) {
                            cut.incrementAndGet(); // all accepted by the kernel, then closed by the server
                        }
                    } catch (IOException reset) {
                        cut.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : floods) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals("every flooding connection is cut by the server", 200, cut.get());
        long grown = rssKiB(platform) - rssBefore;
        assertTrue("the platform holds no flood: RSS grew by " + grown + " KiB", grown < 256 << 10);
        System.out.println("flood: 200 connections x 15 MiB cut; platform RSS grew by " + grown + " KiB");
        assertEquals(0, quiesce(home, "status").exit());

        // 300 wrong tokens: each refused with 77; the log grows by a few lines, not 300
        Path log = home.resolve("logs/platform.log");
        long logBefore = Files.size(log);
        for (int i = 0; i < 300; i++) {
            try (Raw r = new Raw(port)) {
                r.authenticate(null, port);
                assertEquals(77, JSON.readTree(r.line()).get("exit").asInt());
            }
        }
        long logGrew = Files.size(log) - logBefore;
        assertTrue("log grew by " + logGrew + " bytes", logGrew < 2000);
        System.out.println("wrong tokens: 300 refused; the log grew by " + logGrew + " bytes");
        assertTrue(Files.readString(log).contains("refused control connection"));

        // two requests on one connection: the first is answered in full, the second ignored
        try (Raw r = new Raw(port)) {
            r.authenticate(token, port);
            r.send("{\"command\":\"status\",\"args\":[\"--json\"],\"cwd\":\"/\"}\n{\"command\":\"jobs\",\"args\":[],\"cwd\":\"/\"}\n");
            JsonNode reply = JSON.readTree(r.line());
            assertEquals(reply.toString(), 0, reply.get("exit").asInt());
            assertEquals(platform, JSON.readTree(reply.get("out").asText()).get("pid").asLong());
            assertEquals("then the server closes", null, r.line());
        }
        // an authenticated request larger than the limit gets a clear refusal
        try (Raw r = new Raw(port)) {
            r.authenticate(token, port);
            try {
                for (int i = 0; i < (17 << 20) / chunk.length; i++) {
                    r.out.write(chunk);
                }
            } catch (IOException cutOff) {
                // the server answered and closed mid-send
            }
            String l = r.line();
            assertTrue(l, l != null && l.contains("request larger than"));
        } catch (java.net.SocketException resetBeforeRead) {
            // the reply may be lost to the reset of a connection closed with unread data; the platform still runs
        }
        assertEquals(0, quiesce(home, "status").exit());
    }

    /**
     * Attack 4: the platform is stopped (SIGSTOP) while a job is frozen mid-checkpoint. The watchdog ends it once the
     * freeze deadline passes without heartbeats, and the job runs on, untraced; the next start removes the staging.
     */
    @Test
    public void aPlatformStoppedWhileTheJobIsFrozenIsEndedByTheWatchdogAndTheJobRunsOn() throws Exception {
        Path home = home("stopped");
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(home.resolve("deploy/io.quiesce.coordinator.cfg"), "freezeDeadlineSeconds = 2\n");
        assertEquals(0, quiesce(home, "start").exit());
        long platform = quiesce(home, "status", "--json").json().get("pid").asLong();
        // the deadline comes from the file, and stays: FileInstall once rewrote it and re-read it half-written
        assertTrue(PlatformOptions.await(10000, () -> JobScenarios.read(home.resolve("logs/platform.out")).contains("watchdog started")));
        assertTrue(Files.readString(home.resolve("logs/platform.out")).contains("(freeze deadline 2 s)"));
        Path out = home.resolve("counter.out");
        // 512 MiB keeps the dump busy for a while: long enough to stop the platform in it
        Cli.Run launch = quiesce(home, "launch", "--json", "--name", "big", "--", CliEndToEndIT.counter().toString(), out.toString(), "512", "20");
        assertEquals(launch.err(), 0, launch.exit());
        JsonNode jp = launch.json().get("pids");
        long root = jp.get(0).asLong();
        long counterPid = jp.get(jp.size() - 1).asLong();
        platforms.kill(root);
        assertTrue(PlatformOptions.await(60000, () -> CliEndToEndIT.lastCounterOr0(out) >= 2));
        Path status = Path.of("/proc/" + counterPid + "/status");
        boolean stoppedWhileFrozen = false;
        for (int attempt = 0; attempt < 5 && !stoppedWhileFrozen; attempt++) {
            ProcessBuilder background = new ProcessBuilder(PlatformOptions.root().resolve("bin/quiesce").toString(), "checkpoint", "big")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            background.environment().put("QUIESCE_HOME", home.toString());
            Process checkpoint = background.start();
            Path staging = home.resolve("store").resolve(launch.json().get("job").asText()).resolve(".staging-" + (attempt + 1));
            // stopped in the memory copy, after the short syscall injection (see CliEndToEndIT.copyingMemory)
            assertTrue("the job is frozen", PlatformOptions.await(120000, () -> CliEndToEndIT.copyingMemory(staging)));
            assertEquals(0, run("kill", "-STOP", Long.toString(platform)));
            stoppedWhileFrozen = state(status).startsWith("t"); // a stopped platform cannot thaw it: frozen while stopped
            if (!stoppedWhileFrozen) {
                run("kill", "-CONT", Long.toString(platform)); // the dump ended first: try again
                checkpoint.waitFor(60, TimeUnit.SECONDS);
            }
        }
        assertTrue("the platform was stopped while the job was frozen", stoppedWhileFrozen);
        long t0 = System.nanoTime();
        long before = CliEndToEndIT.lastCounter(out);
        assertTrue("the job counts on", PlatformOptions.await(60000, () -> CliEndToEndIT.lastCounterOr0(out) >= before + 2));
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("the watchdog ended the platform", PlatformOptions.await(10000, () -> state(Path.of("/proc/" + platform + "/status")).matches("gone|Z.*")));
        assertTrue("within the deadline and a margin: " + waited + " ms", waited < 2000 + 30000);
        System.out.println("watchdog: the job counted on " + waited + " ms after the platform was stopped (deadline 2 s)");
        String raw = Files.readString(home.resolve("logs/platform.out"));
        assertTrue(raw, raw.contains("quiesce-watchdog: the platform (PID " + platform + ") gave no sign of life for 2 s while a job was frozen"));
        assertTrue(Files.readString(status).contains("TracerPid:\t0\n"));
        assertEquals(0, quiesce(home, "start").exit());
        assertEquals(0, quiesce(home, "checkpoints", "--json").json().size());
        assertEquals("running", quiesce(home, "jobs", "big", "--json").json().get(0).get("state").asText());
    }

    private static String state(Path status) {
        try {
            return Files.readAllLines(status).stream().filter(l -> l.startsWith("State:")).findFirst().orElse("State:\t?")
                    .substring("State:".length()).trim();
        } catch (IOException e) {
            return "gone";
        }
    }
}
