package io.quiesce.cluster;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLSocket;

/**
 * The cluster link for real: TLS 1.3 over loopback with keys made by keytool, a coordinator and agents in this JVM,
 * and raw TLS sockets for peers that misbehave. Every wait is on an event (a link joining, a refusal heard, a link
 * closing), bounded by a generous deadline.
 */
public class ClusterLinkTest {
    private static final String USER = System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_");
    private static final Duration JOIN = Duration.ofSeconds(30);
    private static Path base;
    private static ClusterKey key;
    private static ClusterKey copied;
    private static ClusterKey other;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final BlockingQueue<Link> joined = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> refused = new LinkedBlockingQueue<>();

    @BeforeClass
    public static void keys() throws IOException {
        base = Files.createTempDirectory("cluster-test");
        Path a = Files.createDirectory(base.resolve("a"));
        Path b = Files.createDirectory(base.resolve("b"));
        Path c = Files.createDirectory(base.resolve("c"));
        key = ClusterKey.init(a);
        // a second host: the same key, copied as the README says
        Path to = Files.createDirectory(b.resolve(ClusterKey.FOLDER), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (String f : List.of(ClusterKey.STORE, ClusterKey.PASS)) {
            Files.copy(key.folder().resolve(f), to.resolve(f));
        }
        copied = ClusterKey.load(b);
        other = ClusterKey.init(c);
    }

    @AfterClass
    public static void clean() throws IOException {
        io.quiesce.api.image.SecureFiles.deleteTree(base);
    }

    @After
    public void close() throws Exception {
        java.util.Collections.reverse(closing); // agents before their coordinator
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private ClusterServer server(Timing timing, String refuseWith) throws ClusterException {
        ClusterServer s = ClusterServer.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), key,
                new Identity("coord", USER, "0.1.0"), timing, new Admission() {
                    @Override
                    public String admit(Identity agent, InetSocketAddress from) {
                        return refuseWith;
                    }

                    @Override
                    public void joined(Link link) {
                        joined.add(link);
                    }

                    @Override
                    public void refused(InetSocketAddress from, String reason) {
                        refused.add(reason);
                    }
                });
        closing.add(s);
        return s;
    }

    private static ObjectNode body() {
        return FrameCodec.JSON.createObjectNode();
    }

    @Test
    public void keyFilesArePrivateAndAKeyIsNeverReplaced() throws IOException {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.folder(), LinkOption.NOFOLLOW_LINKS)));
        for (String f : List.of(ClusterKey.STORE, ClusterKey.PASS)) {
            assertEquals(f, "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.folder().resolve(f), LinkOption.NOFOLLOW_LINKS)));
        }
        assertEquals(key.fingerprint(), copied.fingerprint());
        assertFalse(key.fingerprint().equals(other.fingerprint()));
        try {
            ClusterKey.init(key.folder().getParent());
            fail("a second init replaced the cluster key");
        } catch (java.nio.file.FileAlreadyExistsException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("locked out"));
        }
        assertEquals(key.fingerprint(), ClusterKey.load(key.folder().getParent()).fingerprint());
    }

    @Test
    public void aKeyStoreThatIsALinkOrOpenToOthersIsRefused() throws IOException {
        Path home = Files.createDirectory(base.resolve("linked"));
        Path folder = Files.createDirectory(home.resolve(ClusterKey.FOLDER));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(folder.resolve(ClusterKey.STORE), key.folder().resolve(ClusterKey.STORE));
        Files.copy(key.folder().resolve(ClusterKey.PASS), folder.resolve(ClusterKey.PASS));
        try {
            ClusterKey.load(home);
            fail("a linked key store was used");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("symbolic link"));
        }
        Files.delete(folder.resolve(ClusterKey.STORE));
        Files.copy(key.folder().resolve(ClusterKey.STORE), folder.resolve(ClusterKey.STORE));
        Files.setPosixFilePermissions(folder.resolve(ClusterKey.PASS), PosixFilePermissions.fromString("rw-r--r--"));
        try {
            ClusterKey.load(home);
            fail("a password readable by others was used");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("0600"));
        }
        try {
            ClusterKey.load(base.resolve("nowhere"));
            fail("a home without a key gave one");
        } catch (java.nio.file.NoSuchFileException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("quiesce cluster init"));
        }
    }

    @Test
    public void anAgentJoinsAndEitherEndAsksTheOther() throws Exception {
        ClusterServer s = server(Timing.DEFAULT, null);
        Link agent = ClusterClient.join(s.address(), copied, new Identity("host-b", USER, "0.1.0"), Timing.DEFAULT, JOIN);
        closing.add(() -> agent.close("test over"));
        Link coordinatorSide = joined.poll(30, TimeUnit.SECONDS);
        assertEquals("host-b", coordinatorSide.peer().host());
        assertEquals("coord", agent.peer().host());
        coordinatorSide.onRequest((l, op, b) -> body().put("sum", b.path("x").asInt() + 1).put("op", op));
        agent.onRequest((l, op, b) -> body().put("from", l.self().host()));
        ObjectNode r = agent.call("add", body().put("x", 41), JOIN);
        assertEquals(42, r.path("sum").asInt());
        assertEquals("add", r.path("op").asText());
        assertEquals("host-b", coordinatorSide.call("who", body(), JOIN).path("from").asText());
        agent.onRequest((l, op, b) -> {
            throw new IllegalStateException("no job 7 on host-b");
        });
        try {
            coordinatorSide.call("freeze", body(), JOIN);
            fail("an error reply came back as success");
        } catch (ClusterException e) {
            assertEquals("host-b: no job 7 on host-b", e.getMessage());
        }
    }

    @Test
    public void aLinkThatClosesFailsWhatWaitsOnItWithTheReason() throws Exception {
        ClusterServer s = server(Timing.DEFAULT, null);
        Link agent = ClusterClient.join(s.address(), copied, new Identity("host-b", USER, "0.1.0"), Timing.DEFAULT, JOIN);
        Link coordinatorSide = joined.poll(30, TimeUnit.SECONDS);
        CountDownLatch asked = new CountDownLatch(1);
        coordinatorSide.onRequest((l, op, b) -> {
            asked.countDown();
            new CountDownLatch(1).await(60, TimeUnit.SECONDS); // never answers; the close must not wait for it
            return body();
        });
        var pending = agent.request("dump", body());
        assertTrue(asked.await(30, TimeUnit.SECONDS));
        coordinatorSide.close("coordinator stopping");
        try {
            pending.get(30, TimeUnit.SECONDS);
            fail("a request outlived its link");
        } catch (ExecutionException e) {
            assertTrue(e.getCause().getMessage(), e.getCause().getMessage().contains("coordinator stopping"));
        }
        assertTrue(agent.closed().get(30, TimeUnit.SECONDS).contains("coordinator stopping"));
        assertFalse(agent.isOpen());
    }

    @Test
    public void heartbeatsKeepAnIdleLinkUpAndASilentPeerIsLost() throws Exception {
        Timing quick = new Timing(1, 3);
        ClusterServer s = server(quick, null);
        Link agent = ClusterClient.join(s.address(), copied, new Identity("host-b", USER, "0.1.0"), quick, JOIN);
        closing.add(() -> agent.close("test over"));
        Link coordinatorSide = joined.poll(30, TimeUnit.SECONDS);
        try {
            coordinatorSide.closed().get(7, TimeUnit.SECONDS); // more than twice the loss deadline, nothing sent but beats
            fail("an idle link with heartbeats was dropped: " + coordinatorSide.closed().getNow(""));
        } catch (TimeoutException expected) {
            assertTrue(agent.isOpen());
        }
        // a peer that completes the hello and then says nothing, not even heartbeats
        try (SSLSocket raw = rawAgent(s, copied)) {
            hello(raw, ClusterProtocol.VERSION, "silent");
            assertEquals("welcome", read(raw).path("op").asText());
            Link silent = joined.poll(30, TimeUnit.SECONDS);
            assertEquals("silent", silent.peer().host());
            String why = silent.closed().get(30, TimeUnit.SECONDS);
            assertTrue(why, why.contains("lost the agent silent: nothing heard for 3 s"));
        }
    }

    @Test
    public void anAgentWithAnotherClusterKeyIsRefusedAndBothSidesSayWhy() throws Exception {
        ClusterServer s = server(Timing.DEFAULT, null);
        try {
            ClusterClient.join(s.address(), other, new Identity("intruder", USER, "0.1.0"), Timing.DEFAULT, JOIN);
            fail("an agent with another cluster key joined");
        } catch (ClusterException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("TLS handshake failed: the coordinator's certificate"));
            assertTrue(e.getMessage(), e.getMessage().contains("is not this cluster's key"));
        }
        String there = refused.poll(30, TimeUnit.SECONDS);
        assertTrue(there, there != null && there.contains("different cluster key"));
        assertTrue(joined.isEmpty());
        // and the coordinator's own check of the agent's certificate, when the agent trusts anything
        try (SSLSocket raw = rawAgent(s, TrustingContext.of(other))) {
            hello(raw, ClusterProtocol.VERSION, "intruder");
            raw.getInputStream().read();
        } catch (IOException expected) {
            // the coordinator's alert
        }
        there = refused.poll(30, TimeUnit.SECONDS);
        assertTrue(there, there != null && there.contains("TLS handshake failed: the agent's certificate"));
        assertTrue(joined.isEmpty());
    }

    @Test
    public void anotherProtocolVersionUserOrRefusalByAdmissionIsRefusedAndBothSidesSayWhy() throws Exception {
        ClusterServer s = server(Timing.DEFAULT, null);
        int other = ClusterProtocol.VERSION + 1;
        try {
            ClusterClient.join(s.address(), copied, new Identity("host-b", USER, "0.2.0"), Timing.DEFAULT, JOIN, other);
            fail("an agent speaking protocol " + other + " joined");
        } catch (ClusterException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("refused this agent: the agent speaks cluster protocol " + other
                    + " and this coordinator speaks " + ClusterProtocol.VERSION));
        }
        assertTrue(refused.poll(30, TimeUnit.SECONDS).contains("speaks cluster protocol " + other));
        try {
            ClusterClient.join(s.address(), copied, new Identity("host-b", "mallory", "0.1.0"), Timing.DEFAULT, JOIN);
            fail("an agent of another user joined");
        } catch (ClusterException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("runs as user mallory and this coordinator as " + USER));
        }
        assertTrue(refused.poll(30, TimeUnit.SECONDS).contains("mallory"));
        ClusterServer taken = server(Timing.DEFAULT, "host name host-b is taken by the agent at 10.0.0.2:4000");
        try {
            ClusterClient.join(taken.address(), copied, new Identity("host-b", USER, "0.1.0"), Timing.DEFAULT, JOIN);
            fail("a refused agent joined");
        } catch (ClusterException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("refused this agent: host name host-b is taken"));
        }
        assertTrue(joined.isEmpty());
    }

    @Test
    public void aCoordinatorOfAnotherProtocolVersionIsLeftWithTheReason() throws Exception {
        ClusterServer s = server(Timing.DEFAULT, null);
        // an agent that expects a later version receives a welcome with the coordinator's and leaves, telling it why
        try {
            ClusterClient.join(s.address(), copied, new Identity("host-c", USER, "0.3.0"), Timing.DEFAULT, JOIN, ClusterProtocol.VERSION + 2);
            fail("joined a coordinator of another protocol");
        } catch (ClusterException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("speaks cluster protocol"));
        }
    }

    @Test
    public void anOversizedOrBrokenFrameCutsTheAgentOffWithTheReason() throws Exception {
        ClusterServer s = server(Timing.DEFAULT, null);
        try (SSLSocket raw = rawAgent(s, copied)) {
            hello(raw, ClusterProtocol.VERSION, "big");
            assertEquals("welcome", read(raw).path("op").asText());
            Link big = joined.poll(30, TimeUnit.SECONDS);
            DataOutputStream out = new DataOutputStream(raw.getOutputStream());
            out.writeInt(ClusterProtocol.MAX_FRAME + 1);
            out.flush();
            String why = big.closed().get(30, TimeUnit.SECONDS);
            assertTrue(why, why.contains("a frame of 16777217 bytes exceeds the limit of 16777216 bytes (16 MiB)"));
        }
        try (SSLSocket raw = rawAgent(s, copied)) {
            hello(raw, ClusterProtocol.VERSION, "broken");
            assertEquals("welcome", read(raw).path("op").asText());
            Link broken = joined.poll(30, TimeUnit.SECONDS);
            frame(raw, "[1,2,3]".getBytes());
            String why = broken.closed().get(30, TimeUnit.SECONDS);
            assertTrue(why, why.contains("a frame is not a JSON object"));
        }
        try (SSLSocket raw = rawAgent(s, copied)) {
            frame(raw, "{\"op\":\"freeze\",\"id\":1}".getBytes());
            String there = refused.poll(30, TimeUnit.SECONDS);
            assertTrue(there, there.contains("expected a hello first, got 'freeze'"));
            assertEquals("refused", read(raw).path("op").asText());
        }
        assertTrue(joined.isEmpty());
    }

    // ---- a hand-driven agent, for peers that do what ClusterClient never would

    private static SSLSocket rawAgent(ClusterServer s, ClusterKey k) throws IOException {
        return rawAgent(s, k.context());
    }

    private static SSLSocket rawAgent(ClusterServer s, javax.net.ssl.SSLContext ctx) throws IOException {
        SSLSocket raw = (SSLSocket) ctx.getSocketFactory().createSocket(s.address().getAddress(), s.address().getPort());
        raw.setEnabledProtocols(new String[] {"TLSv1.3"});
        raw.setSoTimeout(30_000);
        raw.startHandshake();
        return raw;
    }

    private static void hello(SSLSocket raw, int protocol, String host) throws IOException {
        frame(raw, FrameCodec.JSON.writeValueAsBytes(body().put("op", "hello").put("protocol", protocol)
                .put("host", host).put("user", USER).put("version", "0.1.0")));
    }

    private static void frame(SSLSocket raw, byte[] json) throws IOException {
        DataOutputStream out = new DataOutputStream(raw.getOutputStream());
        out.writeInt(json.length);
        out.write(json);
        out.flush();
    }

    private static ObjectNode read(SSLSocket raw) throws Exception {
        DataInputStream in = new DataInputStream(raw.getInputStream());
        int n = in.readInt();
        byte[] json = new byte[n];
        in.readFully(json);
        return FrameCodec.parse(json);
    }
}
