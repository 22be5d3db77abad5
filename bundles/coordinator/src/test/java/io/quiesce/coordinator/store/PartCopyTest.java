package io.quiesce.coordinator.store;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ImageException;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.api.image.SecureFiles;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Copying a host part between two stores as {@code restart --host-map} does: every byte arrives, files are private,
 * and nothing is in place unless every file has its listed size and SHA-256; names come from the manifest only.
 */
public class PartCopyTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private CheckpointStore from;
    private CheckpointStore to;
    private Path epochFolder;
    private Manifest m;
    private byte[] pages;

    @Before
    public void setUp() throws Exception {
        PartFixture f = new PartFixture(tmp.getRoot().toPath());
        from = f.from;
        to = f.to;
        epochFolder = f.epochFolder;
        m = f.manifest;
        pages = f.pages;
    }

    /** Sends every listed file of the part chunk by chunk, as the coordinator relays them. */
    private void send(PartCopy source, PartCopy sink) throws Exception {
        for (FileDigest d : PartCopy.files(m, "h2")) {
            long off = 0;
            do {
                byte[] chunk = source.read(epochFolder, "h2", m, d.name(), off);
                sink.write(m, "h2", d.name(), off, chunk);
                off += chunk.length;
            } while (off < d.size());
        }
    }

    @Test
    public void aPartArrivesWholeAndPrivateAndIsThenPresent() throws Exception {
        PartCopy source = new PartCopy(from);
        PartCopy sink = new PartCopy(to);
        source.checkSource(epochFolder, "h2", m);
        assertFalse(sink.has(m, "h2"));
        sink.begin(m, "h2");
        send(source, sink);
        Path placed = sink.commit(m, "h2", "h1");
        assertArrayEquals(pages, Files.readAllBytes(placed.resolve("pages-5.img")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(placed.resolve("pages-5.img"), LinkOption.NOFOLLOW_LINKS)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(placed.resolve("fabric"), LinkOption.NOFOLLOW_LINKS)));
        assertTrue("the manifest lies beside the part", Files.exists(placed.getParent().resolve(ImageFormat.MANIFEST)));
        assertTrue("a second restart needs no copy", sink.has(m, "h2"));
    }

    @Test
    public void aDamagedCopyIsRefusedAndNothingOfItStays() throws Exception {
        PartCopy sink = new PartCopy(to);
        sink.begin(m, "h2");
        for (FileDigest d : PartCopy.files(m, "h2")) {
            byte[] all = Files.readAllBytes(epochFolder.resolve(d.name()));
            if (d.name().endsWith(".img")) {
                all[PartCopy.CHUNK + 1] ^= 1; // one bit flipped in flight
            }
            for (int off = 0; off < all.length; off += PartCopy.CHUNK) {
                sink.write(m, "h2", d.name(), off, java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + PartCopy.CHUNK)));
            }
        }
        ImageException e = assertThrows(ImageException.class, () -> sink.commit(m, "h2", "h1"));
        assertTrue(e.getMessage(), e.getMessage().contains("pages-5.img") && e.getMessage().contains("SHA-256"));
        assertFalse("nothing in place", sink.has(m, "h2"));
        assertThrows("the staged copy is gone", java.io.IOException.class, () -> to.stagedRemotePart("9", 3, "h2"));
    }

    @Test
    public void namesAndOffsetsComeFromTheManifestOnly() throws Exception {
        PartCopy source = new PartCopy(from);
        PartCopy sink = new PartCopy(to);
        Files.writeString(tmp.getRoot().toPath().resolve("secret"), "not part of any image");
        for (String bad : List.of("h2/../../secret", "h1/pages-5.img", "h2/pages-6.img", "/etc/passwd")) {
            ImageException e = assertThrows(bad, ImageException.class, () -> source.read(epochFolder, "h2", m, bad, 0));
            assertTrue(e.getMessage(), e.getMessage().contains("is not a file of part h2"));
        }
        assertThrows("past the end", ImageException.class, () -> source.read(epochFolder, "h2", m, "h2/pages-5.img", pages.length + 1));
        sink.begin(m, "h2");
        assertThrows("not listed", ImageException.class, () -> sink.write(m, "h2", "h2/../../../escape", 0, new byte[1]));
        assertThrows("a gap", ImageException.class, () -> sink.write(m, "h2", "h2/pages-5.img", 10, new byte[1]));
        sink.write(m, "h2", "h2/pages-5.img", 0, new byte[10]);
        assertThrows("twice", ImageException.class, () -> sink.write(m, "h2", "h2/pages-5.img", 0, new byte[10]));
        assertThrows("longer than listed", ImageException.class, () -> sink.write(m, "h2", "h2/pages-5.img", 10, new byte[pages.length]));
        ImageException missing = assertThrows(ImageException.class, () -> sink.commit(m, "h2", "h1"));
        assertTrue(missing.getMessage(), missing.getMessage().contains("h2"));
        assertFalse(Files.exists(tmp.getRoot().toPath().resolve("to").resolve("escape")));
    }

    @Test
    public void aSourceThatIsNotAsListedIsNotSent() throws Exception {
        Path img = epochFolder.resolve("h2/pages-5.img");
        byte[] b = Files.readAllBytes(img);
        b[3] ^= 1;
        SecureFiles.write(img, b);
        ImageException e = assertThrows(ImageException.class, () -> new PartCopy(from).checkSource(epochFolder, "h2", m));
        assertTrue(e.getMessage(), e.getMessage().contains("pages-5.img"));
    }
}
