package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ControlTokenTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void createdPrivateAndStable() throws IOException {
        Path f = tmp.getRoot().toPath().resolve("token");
        ControlToken t = ControlToken.loadOrCreate(f);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(65, Files.size(f));
        ControlToken again = ControlToken.loadOrCreate(f);
        assertEquals(t.serverProof(1, "a", "b"), again.serverProof(1, "a", "b"));
        assertEquals(t.clientProof(1, "a", "b"), again.clientProof(1, "a", "b"));
        assertNotEquals("the two directions differ", t.serverProof(1, "a", "b"), t.clientProof(1, "a", "b"));
        assertNotEquals("the port is covered", t.serverProof(1, "a", "b"), t.serverProof(2, "a", "b"));
        assertNotEquals("the client's nonce is covered", t.serverProof(1, "a", "b"), t.serverProof(1, "a", "c"));
        assertTrue(ControlToken.matches(t.serverProof(1, "a", "b"), again.serverProof(1, "a", "b")));
        assertFalse(ControlToken.matches(t.serverProof(1, "a", "b"), null));
        assertFalse(ControlToken.matches(t.serverProof(1, "a", "b"), "deadbeef"));
        assertNotEquals(t.serverProof(1, "a", "b"), ControlToken.loadOrCreate(tmp.getRoot().toPath().resolve("token2")).serverProof(1, "a", "b"));
    }

    /** Attack: a token planted as a link to another file; the platform must neither follow nor chmod it. */
    @Test
    public void aTokenThatIsALinkIsRefusedAndItsTargetUntouched() throws IOException {
        Path target = tmp.newFile("victim").toPath();
        Files.writeString(target, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path f = tmp.getRoot().toPath().resolve("token");
        Files.createSymbolicLink(f, target);
        IOException e = assertThrows(IOException.class, () -> ControlToken.loadOrCreate(f));
        assertTrue(e.getMessage(), e.getMessage().contains("refusing " + f + ": it is a symbolic link (to " + target + ")"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    public void aTooOpenTokenIsRefusedNotTightened() throws IOException {
        Path f = tmp.getRoot().toPath().resolve("token");
        Files.writeString(f, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> ControlToken.loadOrCreate(f));
        assertTrue(e.getMessage(), e.getMessage().contains("with mode 0644; expected a file of user"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    /** A FIFO planted as the token would block a plain open for ever. */
    @Test(timeout = 10000)
    public void aFifoTokenIsRefusedWithoutBlocking() throws Exception {
        Path f = tmp.getRoot().toPath().resolve("token");
        assertEquals(0, new ProcessBuilder("mkfifo", "-m", "600", f.toString()).start().waitFor());
        IOException e = assertThrows(IOException.class, () -> ControlToken.loadOrCreate(f));
        assertTrue(e.getMessage(), e.getMessage().contains("not a regular file"));
    }

    @Test
    public void anotherUsersTokenIsRefused() throws Exception {
        assumeTrue("needs root to give a file away", "root".equals(System.getProperty("user.name")));
        assumeTrue("needs the user qtest (.ci/run makes it)", new ProcessBuilder("id", "-u", "qtest").start().waitFor() == 0);
        Path f = tmp.getRoot().toPath().resolve("token");
        Files.writeString(f, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals(0, new ProcessBuilder("chown", "qtest", f.toString()).start().waitFor());
        IOException e = assertThrows(IOException.class, () -> ControlToken.loadOrCreate(f));
        assertTrue(e.getMessage(), e.getMessage().contains("owned by qtest"));
    }

    @Test
    public void proofsAreStandardHmacSha256() throws IOException {
        Path f = tmp.getRoot().toPath().resolve("token");
        String key = "00112233445566778899aabbccddeeff";
        Files.writeString(f, key + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        // computed independently with: printf 'quiesce-server 7 a b' | openssl dgst -sha256 -hmac KEY
        assertEquals(hmacByOpenssl(key, "quiesce-server 7 a b"), ControlToken.loadOrCreate(f).serverProof(7, "a", "b"));
        assertEquals(hmacByOpenssl(key, "quiesce-client 7 a b"), ControlToken.load(f).clientProof(7, "a", "b"));
        Files.writeString(f, "short");
        assertThrows(IOException.class, () -> ControlToken.load(f));
    }

    private static String hmacByOpenssl(String key, String data) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "printf %s '" + data + "' | openssl dgst -sha256 -hmac '" + key + "' | sed 's/.*= //'")
                .redirectErrorStream(true).start();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        return new String(p.getInputStream().readAllBytes()).trim();
    }
}
