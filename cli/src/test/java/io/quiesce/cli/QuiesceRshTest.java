package io.quiesce.cli;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The built {@code quiesce-rsh} (client and relay), each against this test playing the other end and the
 * platform: both ends refuse a peer that does not prove it holds its half of the secret before any data flows, and
 * stdin, stdout, stderr and the exit status are framed through.
 */
public class QuiesceRshTest {
    private static final Path RSH = Path.of("target/quiesce-rsh");
    private static final String SECRET = "00112233445566778899aabbccddeeff" + "ffeeddccbbaa99887766554433221100";
    private Path home;

    @Before
    public void home() throws IOException {
        home = Files.createTempDirectory("quiesce-rsh-test-");
    }

    @After
    public void clean() throws IOException {
        try (var s = Files.list(home)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(home);
    }

    private static byte[] greeting(String half) {
        return ("QRSH1 " + half + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void frame(OutputStream out, char type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeByte(type);
        d.writeInt(data.length);
        d.write(data);
        d.flush();
    }

    /** @return the next frame: its type, then its payload */
    private static Object[] frame(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        char type = (char) d.readUnsignedByte();
        byte[] data = new byte[d.readInt()];
        d.readFully(data);
        return new Object[] { type, data };
    }

    private static String read(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
    }

    private Process relay(int port, String command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(RSH.toString(), "--serve", "--", command).redirectError(ProcessBuilder.Redirect.PIPE);
        pb.environment().put("QUIESCE_REXEC_ADDRESS", "127.0.0.1");
        pb.environment().put("QUIESCE_REXEC_PORT", Integer.toString(port));
        pb.environment().put("QUIESCE_REXEC_SECRET", SECRET);
        return pb.start();
    }

    @Test
    public void theRelayRunsNothingForAClientThatDoesNotProveItself() throws Exception {
        Path ran = home.resolve("ran");
        try (ServerSocket client = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process relay = relay(client.getLocalPort(), "touch " + ran);
            try (Socket s = client.accept()) {
                s.setSoTimeout(20000);
                assertEquals("the relay proves itself first", new String(greeting(SECRET.substring(0, 32)), StandardCharsets.US_ASCII),
                        read(s.getInputStream(), 39));
                s.getOutputStream().write(greeting("0".repeat(32)));
                assertTrue(relay.waitFor(20, TimeUnit.SECONDS));
            }
            assertEquals(255, relay.exitValue());
            assertTrue(new String(relay.getErrorStream().readAllBytes()).contains("did not prove itself: refused"));
            assertFalse("the command did not run", Files.exists(ran));
        }
    }

    @Test
    public void theRelayFramesTheCommandsOutputAndExitStatusAndFeedsItsStdin() throws Exception {
        try (ServerSocket client = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process relay = relay(client.getLocalPort(), "tr a-z A-Z; echo to-stderr >&2; exit 7");
            try (Socket s = client.accept()) {
                s.setSoTimeout(20000);
                read(s.getInputStream(), 39);
                s.getOutputStream().write(greeting(SECRET.substring(32)));
                frame(s.getOutputStream(), 'i', "hello ".getBytes(StandardCharsets.US_ASCII));
                frame(s.getOutputStream(), 'i', "world\n".getBytes(StandardCharsets.US_ASCII));
                frame(s.getOutputStream(), 'e', new byte[0]);
                ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
                for (;;) {
                    Object[] f = frame(s.getInputStream());
                    byte[] data = (byte[]) f[1];
                    if ((char) f[0] == 'x') {
                        assertArrayEquals(new byte[] { 7 }, data);
                        break;
                    }
                    ((char) f[0] == 'o' ? out : err).write(data);
                }
                assertEquals("HELLO WORLD\n", out.toString(StandardCharsets.US_ASCII));
                assertEquals("to-stderr\n", err.toString(StandardCharsets.US_ASCII));
            }
            assertTrue(relay.waitFor(20, TimeUnit.SECONDS));
            assertEquals(7, relay.exitValue());
        }
    }

    /** @return what quiesce-rsh said (stdout and stderr), once it ended with its own error status, 255 */
    private static String ownError(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(out, 255, p.exitValue());
        return out;
    }

    @Test
    public void theRelayRefusesToStartByHand() throws Exception {
        assertTrue(ownError(new ProcessBuilder(RSH.toString(), "--serve", "--", "true")).contains("started by the platform"));
    }

    /** The client against this test as its platform (rexec.sock) and as the relay. */
    @Test
    public void theClientAsksThePlatformRefusesAStrangerAndRelaysForTheRealRelay() throws Exception {
        Path sock = home.resolve("rexec.sock");
        try (ServerSocketChannel platform = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            platform.bind(UnixDomainSocketAddress.of(sock));
            ProcessBuilder pb = new ProcessBuilder(RSH.toString(), "-x", "node-b", "cat", "'a b'");
            pb.environment().put("QUIESCE_HOME", home.toString());
            pb.environment().put("QUIESCE_JOB", "job7");
            Process rsh = pb.start();
            List<String> fields;
            try (SocketChannel c = platform.accept()) {
                ByteBuffer b = ByteBuffer.allocate(4096);
                while (c.read(b) >= 0) {
                    assertTrue(b.hasRemaining());
                }
                fields = List.of(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).split("\0", -1));
                c.write(ByteBuffer.wrap(("ok remote " + SECRET + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            assertEquals(List.of("rexec1", "job7", "node-b"), fields.subList(0, 3));
            assertEquals(Long.toString(rsh.pid()), fields.get(4));
            assertEquals("the command as ssh passes it: the words joined by spaces", "cat 'a b'", fields.get(5));
            InetSocketAddress client = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(fields.get(3)));
            try (Socket stranger = new Socket()) {
                stranger.connect(client, 20000);
                stranger.setSoTimeout(20000);
                stranger.getOutputStream().write(greeting("f".repeat(32)));
                assertEquals("a stranger is hung up on, unanswered", -1, stranger.getInputStream().read());
            }
            try (Socket s = new Socket()) {
                s.connect(client, 20000);
                s.setSoTimeout(20000);
                s.getOutputStream().write(greeting(SECRET.substring(0, 32)));
                assertEquals(new String(greeting(SECRET.substring(32)), StandardCharsets.US_ASCII), read(s.getInputStream(), 39));
                rsh.getOutputStream().write("to the command".getBytes(StandardCharsets.US_ASCII));
                rsh.getOutputStream().close();
                Object[] in = frame(s.getInputStream());
                assertEquals('i', in[0]);
                assertEquals("to the command", new String((byte[]) in[1], StandardCharsets.US_ASCII));
                assertEquals('e', frame(s.getInputStream())[0]);
                frame(s.getOutputStream(), 'o', "out".getBytes(StandardCharsets.US_ASCII));
                frame(s.getOutputStream(), 'r', "err".getBytes(StandardCharsets.US_ASCII));
                frame(s.getOutputStream(), 'x', new byte[] { 3 });
                assertTrue(rsh.waitFor(20, TimeUnit.SECONDS));
            }
            assertEquals(3, rsh.exitValue());
            assertEquals("out", new String(rsh.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            String err = new String(rsh.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(err, err.startsWith("quiesce-rsh: refused a connection that did not prove itself the relay of host node-b\n"));
            assertTrue(err, err.endsWith("err"));
        }
    }

    @Test
    public void theClientSaysWhyItCannotStart() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(RSH.toString(), "node-b", "true");
        pb.environment().remove("QUIESCE_JOB");
        assertTrue(ownError(pb).contains("not inside a Quiesce job"));

        pb = new ProcessBuilder(RSH.toString(), "node-b", "true");
        pb.environment().put("QUIESCE_JOB", "job1");
        pb.environment().put("QUIESCE_HOME", home.toString());
        String out = ownError(pb);
        assertTrue(out, out.contains("cannot reach the platform at " + home.resolve("rexec.sock") + ": ENOENT"));

        pb = new ProcessBuilder(RSH.toString(), "someone-else@node-b", "true");
        pb.environment().put("QUIESCE_JOB", "job1");
        assertTrue(ownError(pb).contains("user someone-else: a job's pieces run as the user"));
    }

    /** A platform's refusal reaches the launcher as ssh's own errors do: on stderr, status 255. */
    @Test
    public void aRefusalOfThePlatformIsTheClientsError() throws Exception {
        Path sock = home.resolve("rexec.sock");
        try (ServerSocketChannel platform = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            platform.bind(UnixDomainSocketAddress.of(sock));
            ProcessBuilder pb = new ProcessBuilder(RSH.toString(), "node-q", "true");
            pb.environment().put("QUIESCE_HOME", home.toString());
            pb.environment().put("QUIESCE_JOB", "job7");
            Thread platformSide = new Thread(() -> {
                try (SocketChannel c = platform.accept()) {
                    Channels.newInputStream(c).readAllBytes();
                    c.write(ByteBuffer.wrap("error host node-q: not a host of the cluster\n".getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            platformSide.start();
            assertEquals("quiesce-rsh: host node-q: not a host of the cluster\n", ownError(pb));
            platformSide.join(20000);
        }
    }
}
