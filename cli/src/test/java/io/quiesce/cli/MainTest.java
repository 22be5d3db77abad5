package io.quiesce.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class MainTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void hmacMatchesRfc4231TestCase2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Main.hmac("Jefe", "what do ya want for nothing?"));
    }

    @Test
    public void notRunningIsExitThreeWithAClearMessage() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path home = tmp.getRoot().toPath();
        Main m = new Main(home, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertEquals(Main.NOT_RUNNING, m.run(List.of("jobs")));
        assertTrue(err.toString(), err.toString().contains("not running for QUIESCE_HOME=" + home));
        // a stale control file pointing at a closed port is "not running" too, not a crash
        Files.writeString(home.resolve("control"), "127.0.0.1:1\n");
        Files.writeString(home.resolve("token"), "0123456789abcdef0123456789abcdef\n");
        assertEquals(Main.NOT_RUNNING, m.run(List.of("jobs")));
    }
}
