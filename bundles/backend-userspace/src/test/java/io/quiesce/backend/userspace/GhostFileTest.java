package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.backend.userspace.image.GhostImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Test;

/** A file deleted while open, held by two descriptors and mapped shared and private (unlinked00). */
public class GhostFileTest extends EngineTest {
    private static long lastTick(Path out) throws Exception {
        return field(Scenarios.last(out), "tick");
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test(timeout = 30000)
    public void deletedFileIsRecreatedWithItsContentsOffsetsAndMappings() throws Exception {
        Path dir = Files.createDirectory(root().resolve("data"));
        Path data = dir.resolve("gone.dat");
        Path out = root().resolve("unlinked.out");
        int pid = start("unlinked00", out, data.toString());
        await(out, l -> l.startsWith("tick=3 "), 5000);
        Path folder = checkpoint(true, pid);
        long saved = lastTick(out);
        GhostImage g = ImageFiles.readIndex(folder).ghosts().get(0);
        assertEquals(data.toString(), g.path());
        assertEquals(0640, g.mode());
        assertEquals("one copy for both descriptors and both mappings", 1, ImageFiles.readIndex(folder).ghosts().size());
        assertEquals(3 * 4096, g.bytes());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve(g.dataFile()))));
        long np = restore(folder).get(0);
        String next = await(out, l -> l.contains(" pid=" + np), 5000);
        assertEquals("the records went on at the saved offset", saved + 1, field(next, "tick"));
        await(out, l -> l.contains(" pid=" + np) && field(l, "tick") >= saved + 5, 5000);
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH"));
        assertEquals("nothing left in the directory", List.of(), names(dir));
        String link = Files.readSymbolicLink(Path.of("/proc/" + np + "/fd/3")).toString();
        assertEquals("the old name, deleted", data + " (deleted)", link);
        assertTrue(Files.readString(Path.of("/proc/" + np + "/maps")).contains(data + " (deleted)"));
    }

    @Test(timeout = 30000)
    public void deletedFileWhoseDirectoryIsGoneIsRecreatedInTheJobFolder() throws Exception {
        Path dir = Files.createDirectory(root().resolve("data"));
        Path out = root().resolve("unlinked.out");
        int pid = start("unlinked00", out, dir.resolve("gone.dat").toString());
        await(out, l -> l.startsWith("tick=3 "), 5000);
        Path folder = checkpoint(true, pid);
        Files.delete(dir);
        long saved = lastTick(out);
        long np = restore(folder).get(0);
        await(out, l -> l.contains(" pid=" + np) && field(l, "tick") >= saved + 3, 5000);
        assertFalse(Files.readString(out).contains("MISMATCH"));
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + np + "/fd/3")).toString()
                .matches(root() + "/\\.quiesce-ghost-\\d+-\\d+ \\(deleted\\)"));
        assertFalse(names(root()).stream().anyMatch(n -> n.startsWith(".quiesce-ghost-")));
    }
}
