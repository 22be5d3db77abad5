package io.quiesce.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class MainTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Main main(Path home) {
        return new Main(home, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
    }

    private Path home() throws IOException {
        Path home = tmp.newFolder("home").toPath();
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Path token = home.resolve("token");
        Files.writeString(token, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        return home;
    }

    @Test
    public void notRunningIsExitThreeWithAClearMessage() throws IOException {
        Path home = tmp.getRoot().toPath().resolve("none");
        assertEquals(Main.NOT_RUNNING, main(home).run(List.of("jobs")));
        assertTrue(err.toString(), err.toString().contains("not running for QUIESCE_HOME=" + home));
        // a stale control file pointing at a closed port is "not running" too, not a crash
        Path h = home();
        Files.writeString(h.resolve("control"), "127.0.0.1:1\n");
        assertEquals(Main.NOT_RUNNING, main(h).run(List.of("jobs")));
        assertTrue(err.toString(), err.toString().contains("nothing answers at 127.0.0.1:1"));
    }

    /**
     * A server on the control file's port that does not hold the token (another user's, after the platform died):
     * it greets like the platform but cannot prove the token, and gets nothing but the client's nonce.
     */
    @Test(timeout = 30000)
    public void aServerThatCannotProveTheTokenGetsNoCommandAndNoEnvironment() throws Exception {
        String got = impostor("{\"quiesce\":2,\"nonce\":\"00112233445566778899aabbccddeeff\"}\n", "{\"proof\":\"" + "ab".repeat(32) + "\"}\n",
                "launch", "--", "sh", "-c", "echo secret");
        assertTrue(err.toString(), err.toString().contains("is not the platform of this home: it could not prove it holds the token of "));
        assertTrue(err.toString(), err.toString().contains("nothing was sent to it"));
        assertTrue("only the client's nonce crossed: " + got, got.matches("\\{\"nonce\":\"[0-9a-f]{32}\"\\}\n"));
    }

    @Test(timeout = 30000)
    public void aServerSpeakingAnotherProtocolGetsNothing() throws Exception {
        String got = impostor("{\"quiesce\":1,\"nonce\":\"0011\"}\n", "", "jobs");
        assertTrue(err.toString(), err.toString().contains("is not the platform of this home: it does not greet like one"));
        assertEquals("", got);
    }

    /** A server that never answers (or a stopped platform) costs the client a bounded wait, with a clear message. */
    @Test(timeout = 30000)
    public void aSilentServerTimesOut() throws Exception {
        long t0 = System.nanoTime();
        impostor(null, "", "jobs");
        assertTrue(err.toString(), err.toString().contains("did not complete the handshake within 10 s"));
        assertTrue((System.nanoTime() - t0) / 1_000_000 + " ms", System.nanoTime() - t0 < 20_000_000_000L);
    }

    /** A server sending an endless line does not make the client hold it. */
    @Test(timeout = 30000)
    public void anEndlessLineIsCut() throws Exception {
        impostor("{\"quiesce\":2,\"nonce\":\"" + "a".repeat(1 << 20), "", "jobs");
        assertTrue(err.toString(), err.toString().contains("it sent a line longer than 512 bytes"));
    }

    /** Runs the client against a fake server; returns what the fake received. */
    private String impostor(String hello, String afterFirstLine, String... args) throws Exception {
        Path home = home();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Files.writeString(home.resolve("control"), "127.0.0.1:" + ss.getLocalPort() + "\n");
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = ss.accept()) {
                    OutputStream o = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    if (hello == null) {
                        s.setSoTimeout(15000);
                        try {
                            in.transferTo(b);
                        } catch (IOException timeout) {
                            // the client gave up first
                        }
                        return b.toString(StandardCharsets.UTF_8);
                    }
                    o.write(hello.getBytes(StandardCharsets.UTF_8));
                    o.flush();
                    for (int c; (c = in.read()) >= 0;) {
                        b.write(c);
                        if (c == '\n' && !afterFirstLine.isEmpty() && b.toString().indexOf('\n') == b.size() - 1) {
                            o.write(afterFirstLine.getBytes(StandardCharsets.UTF_8));
                            o.flush();
                        }
                    }
                    return b.toString(StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "failed: " + e;
                }
            });
            assertEquals(err.toString(), Main.NOT_RUNNING, main(home).run(List.of(args)));
            return received.get(20, TimeUnit.SECONDS);
        }
    }

    /** Attack 1, client side: a token planted as a link is neither followed nor used. */
    @Test
    public void aTokenThatIsALinkIsRefused() throws IOException {
        Path home = home();
        Path victim = tmp.newFile("victim").toPath();
        Files.writeString(victim, "0123456789abcdef0123456789abcdef\n");
        Files.delete(home.resolve("token"));
        Files.createSymbolicLink(home.resolve("token"), victim);
        Files.writeString(home.resolve("control"), "127.0.0.1:1\n");
        assertEquals(Main.NOT_RUNNING, main(home).run(List.of("jobs")));
        assertTrue(err.toString(), err.toString().contains("refusing " + home.resolve("token") + ": it is a symbolic link"));
    }

    /** Attack 1: a home made by another user is refused by start and by every command, and nothing in it is changed. */
    @Test
    public void aHomeOfAnotherUserIsRefused() throws Exception {
        assumeTrue("needs root to make a home of another user", "root".equals(System.getProperty("user.name")));
        Path home = home();
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(home.resolve("token"), PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(0, new ProcessBuilder("chown", "-R", "qtest", home.toString()).start().waitFor());
        assertEquals(Main.NOT_RUNNING, main(home).run(List.of("start")));
        assertTrue(err.toString(), err.toString().contains("refusing " + home + " is owned by qtest (uid "));
        assertTrue(err.toString(), err.toString().contains("with mode 0755"));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("token"))));
        assertFalse("nothing created in it", Files.exists(home.resolve("logs")));
        Files.writeString(home.resolve("control"), "127.0.0.1:1\n");
        assertEquals(Main.NOT_RUNNING, main(home).run(List.of("jobs")));
        assertTrue(err.toString(), err.toString().contains("refusing " + home + " is owned by qtest"));
    }

    /** start refuses at once a token others can read (the platform would refuse it, and the client wait for it). */
    @Test
    public void startRefusesATooOpenTokenAtOnce() throws Exception {
        Path home = home();
        Files.setPosixFilePermissions(home.resolve("token"), PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(Main.NOT_RUNNING, main(home).run(List.of("start")));
        assertTrue(err.toString(), err.toString().contains("refusing " + home.resolve("token") + ": owned by "));
        assertTrue(err.toString(), err.toString().contains("with mode 0644; expected a file of user"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("token"))));
    }

    /** A home whose folder above is writable by others (so they could swap the home) is refused. */
    @Test
    public void aHomeUnderAFolderOthersCanWriteIsRefused() throws Exception {
        Path open = tmp.newFolder("open").toPath();
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path home = open.resolve("home");
        assertEquals(Main.NOT_RUNNING, main(home).run(List.of("start")));
        assertTrue(err.toString(), err.toString().contains("refusing " + home + ": a folder above it, " + open + ", is owned by"));
        assertFalse(Files.exists(home));
    }
}
