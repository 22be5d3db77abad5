package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

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
        String nonce = "00ff";
        assertEquals(t.answer(nonce), ControlToken.loadOrCreate(f).answer(nonce));
        assertTrue(t.verify(nonce, t.answer(nonce)));
        assertFalse(t.verify("00fe", t.answer(nonce)));
        assertFalse(t.verify(nonce, null));
        assertFalse(t.verify(nonce, "deadbeef"));
    }

    @Test
    public void tooOpenTokenIsTightenedAndDifferentHomesDiffer() throws IOException {
        Path f = tmp.getRoot().toPath().resolve("token");
        Files.writeString(f, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        ControlToken t = ControlToken.loadOrCreate(f);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        ControlToken other = ControlToken.loadOrCreate(tmp.getRoot().toPath().resolve("token2"));
        assertNotEquals(t.answer("1"), other.answer("1"));
    }

    @Test
    public void answersAreStandardHmacSha256() throws IOException {
        Path f = tmp.getRoot().toPath().resolve("token");
        Files.writeString(f, "key-key-key-key-key-key-key-key!");
        // HMAC-SHA256(key, "abc") computed independently with: printf abc | openssl dgst -sha256 -hmac 'key-...'
        String expected = hmacByOpenssl("key-key-key-key-key-key-key-key!", "abc");
        assertEquals(expected, ControlToken.loadOrCreate(f).answer("abc"));
        assertThrows(IOException.class, () -> {
            Files.writeString(f, "short");
            ControlToken.loadOrCreate(f);
        });
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
