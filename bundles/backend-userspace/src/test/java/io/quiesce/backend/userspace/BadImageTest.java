package io.quiesce.backend.userspace;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.ImageException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.image.ImageFiles;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Damaged or foreign images fail with an {@link ImageException} naming the file, and no half-restored process is
 * left behind.
 */
public class BadImageTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private UserspaceBackend backend;
    private Path image;
    private long pid;
    private List<Long> childrenBefore;

    @Before
    public void dumpOne() throws Exception {
        // the test's folder is in /tmp, whose files the engine would save and recreate: none is a temporary folder here
        System.setProperty(io.quiesce.backend.userspace.files.TempFiles.PROPERTY, "");
        backend = new UserspaceBackend();
        backend.activateWith(null);
        Path out = tmp.getRoot().toPath().resolve("c.out");
        int p = Scenarios.spawn("counter00", null, out.toString(), "2", "20");
        pid = p;
        Scenarios.await(out, l -> l.startsWith("counter=2 "), 5000);
        image = Scenarios.staging(tmp.getRoot().toPath());
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(tmp.getRoot().toPath(), p))) {
            s.freeze();
            s.dump(image);
            s.kill();
        }
        Scenarios.commit(image, "userspace", ImageFormat.VERSION);
        childrenBefore = Scenarios.liveChildren();
    }

    @After
    public void tearDown() throws Exception {
        System.clearProperty(io.quiesce.backend.userspace.files.TempFiles.PROPERTY);
        assertEquals("no stub or half-restored process left", childrenBefore, Scenarios.liveChildren());
        backend.deactivate();
    }

    private void restore() throws CheckpointException {
        try (RestoreSession rs = backend.openRestore(image, new RestoreOptions(tmp.getRoot().toPath(), null, Map.of(), false))) {
            rs.restore();
            fail("a damaged image was restored");
        }
    }

    private Path pages() {
        return image.resolve("pages-" + pid + ".img");
    }

    private Path processFile() {
        return image.resolve("process-" + pid + ".json");
    }

    @Test
    public void flippedByteInPagesIsACrcMismatchNamingTheFile() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(pages().toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x40);
        }
        try {
            restore();
        } catch (ImageException e) {
            assertEquals(pages(), e.path());
            assertTrue(e.getMessage(), e.getMessage().contains("CRC32C mismatch"));
        }
    }

    @Test
    public void truncatedPagesAreRefusedBeforeAnyProcessExists() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(pages().toFile(), "rw")) {
            f.setLength(f.length() - 4096);
        }
        try {
            restore();
        } catch (ImageException e) {
            assertEquals(pages(), e.path());
            assertTrue(e.getMessage(), e.getMessage().contains("truncated"));
        }
    }

    @Test
    public void processFileOfAnotherFormatVersion() throws Exception {
        ObjectNode n = (ObjectNode) ImageFiles.json().readTree(processFile().toFile());
        n.put("formatVersion", 2);
        Files.write(processFile(), ImageFiles.json().writeValueAsBytes(n));
        try {
            restore();
        } catch (ImageException e) {
            assertEquals(processFile(), e.path());
            assertTrue(e.getMessage(), e.getMessage().contains("format version 2 is not supported"));
        }
    }

    @Test
    public void manifestOfAnotherFormatVersion() throws Exception {
        Files.delete(image.resolve(ImageFormat.MANIFEST));
        Scenarios.commit(image, "userspace", 99);
        try {
            restore();
        } catch (ImageException e) {
            assertEquals(image.resolve(ImageFormat.MANIFEST), e.path());
            assertTrue(e.getMessage(), e.getMessage().contains("version 99"));
        }
    }

    @Test
    public void vdsoOfAnotherSizeIsAClearErrorAndTheStubIsKilled() throws Exception {
        ObjectNode n = (ObjectNode) ImageFiles.json().readTree(processFile().toFile());
        for (var v : n.withArray("vmas")) {
            if ("[vdso]".equals(v.path("path").asText())) {
                // shrunk, not grown: a grown one would overlap the next mapping, which the image checks refuse first
                long start = v.path("start").asLong(), end = v.path("end").asLong();
                ((ObjectNode) v).put("end", end - start > 4096 ? end - 4096 : end + 4096);
            }
        }
        Files.write(processFile(), ImageFiles.json().writeValueAsBytes(n));
        try {
            restore();
        } catch (CheckpointException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("[vdso] size mismatch: the image has ") && e.getMessage().contains("this kernel gives"));
            assertEquals(processFile(), e.path());
        }
    }

    @Test
    public void missingOutputFileFailsTheRestoreNamingItAndKillsTheStub() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("c.out");
        Files.delete(out);
        try {
            restore();
        } catch (CheckpointException e) {
            assertEquals(out, e.path());
            assertTrue(e.getMessage(), e.getMessage().contains("cannot reopen fd 3") && e.getMessage().contains("ENOENT"));
        }
    }
}
