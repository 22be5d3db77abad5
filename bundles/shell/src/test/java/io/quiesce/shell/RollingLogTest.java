package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class RollingLogTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** A flood of log lines takes at most (keep + 1) files of the limit, and the newest lines are kept. */
    @Test
    public void aFloodIsBoundedAndTheNewestLinesKept() throws IOException {
        Path file = tmp.getRoot().toPath().resolve("platform.log");
        try (PrintStream ps = new PrintStream(new RollingLog(file, 10_000, 2), true, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 100_000; i++) {
                ps.println("refused control connection " + i);
            }
        }
        long total = 0;
        for (String n : new String[] {"platform.log", "platform.log.1", "platform.log.2"}) {
            Path p = file.resolveSibling(n);
            assertTrue(n + " " + Files.size(p), (n.equals("platform.log") || Files.size(p) >= 10_000) && Files.size(p) <= 10_000 + 40); // up to one line past
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            String text = Files.readString(p);
            assertTrue("files end at line ends: " + n, text.endsWith("\n") && text.startsWith("refused"));
            total += Files.size(p);
        }
        assertFalse(Files.exists(file.resolveSibling("platform.log.3")));
        assertTrue(total <= 30_120);
        assertTrue(Files.readString(file).endsWith("refused control connection 99999\n"));
    }

    @Test
    public void aLogThatIsALinkIsRefused() throws IOException {
        Path target = tmp.newFile("elsewhere").toPath();
        Path file = tmp.getRoot().toPath().resolve("platform.log");
        Files.createSymbolicLink(file, target);
        IOException e = assertThrows(IOException.class, () -> new RollingLog(file, 1000, 1));
        assertTrue(e.getMessage(), e.getMessage().contains("symbolic link"));
        assertEquals(0, Files.size(target));
    }
}
