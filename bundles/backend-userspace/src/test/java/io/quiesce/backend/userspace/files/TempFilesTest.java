package io.quiesce.backend.userspace.files;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.TempFileImage;
import io.quiesce.backend.userspace.proc.ProcNetUnix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The restore half of temporary files on crafted entries: recreation, and the checks that keep it inside its root. */
public class TempFilesTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    private Path root;
    private Path image;

    @Before
    public void roots() throws Exception {
        root = tmp.newFolder("root").toPath();
        image = tmp.newFolder("image").toPath();
        System.setProperty(TempFiles.PROPERTY, root.toString());
    }

    @After
    public void clear() {
        System.clearProperty(TempFiles.PROPERTY);
    }

    private TempFileImage file(String path, String data, byte[] contents) throws Exception {
        Files.write(image.resolve(data), contents);
        return new TempFileImage(TempFileImage.REGULAR, path, root.toString(), 0640, contents.length, 1_000_000_000L, data, true);
    }

    @Test
    public void missingFoldersFileAndFifoAreMadeWithTheirModes() throws Exception {
        Path dir = root.resolve("session");
        List<TempFileImage> saved = List.of(new TempFileImage(TempFileImage.DIRECTORY, dir.toString(), root.toString(), 0710, 0, 0, null, false),
                file(dir.resolve("dstore").toString(), "temp-1.img", "saved".getBytes()),
                new TempFileImage(TempFileImage.FIFO, dir.resolve("fifo").toString(), root.toString(), 0620, 0, 0, null, false));
        TempFiles.prepare(image, saved, image.resolve("userspace.json"));
        assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("saved", Files.readString(dir.resolve("dstore")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("dstore"))));
        assertEquals(0010620, (int) (Integer) Files.getAttribute(dir.resolve("fifo"), "unix:mode"));
        // changed since: the saved contents win; then unchanged (same size and mtime): left alone
        Files.writeString(dir.resolve("dstore"), "changed");
        TempFiles.prepare(image, saved.subList(1, 2), image.resolve("userspace.json"));
        assertEquals("saved", Files.readString(dir.resolve("dstore")));
    }

    @Test
    public void aSymbolicLinkOnThePathIsNotFollowed() throws Exception {
        Path elsewhere = tmp.newFolder("elsewhere").toPath();
        Files.createSymbolicLink(root.resolve("session"), elsewhere);
        TempFileImage f = file(root.resolve("session/dstore").toString(), "temp-1.img", "x".getBytes());
        CheckpointException e = assertThrows(CheckpointException.class, () -> TempFiles.prepare(image, List.of(f), image));
        assertTrue(e.getMessage(), e.getMessage().contains("is not a folder (a symbolic link is not followed)"));
        assertFalse(Files.exists(elsewhere.resolve("dstore")));
        // nor is a link where the file itself belongs
        Files.delete(root.resolve("session"));
        Files.createSymbolicLink(root.resolve("dstore"), elsewhere.resolve("target"));
        TempFileImage g = file(root.resolve("dstore").toString(), "temp-2.img", "x".getBytes());
        assertThrows(CheckpointException.class, () -> TempFiles.prepare(image, List.of(g), image));
        assertFalse(Files.exists(elsewhere.resolve("target")));
    }

    @Test
    public void pathsThatLeaveTheirRootAreRejectedAndOtherRootsLeftAlone() throws Exception {
        TempFileImage up = file(root.resolve("a/../../escape").toString(), "temp-1.img", "x".getBytes());
        assertThrows(ImageException.class, () -> TempFiles.prepare(image, List.of(up), image));
        TempFileImage data = new TempFileImage(TempFileImage.REGULAR, root.resolve("f").toString(), root.toString(), 0600, 1, 0,
                "../outside.img", true);
        assertThrows(ImageException.class, () -> TempFiles.prepare(image, List.of(data), image));
        Path other = tmp.newFolder("other").toPath();
        TempFileImage notHere = new TempFileImage(TempFileImage.REGULAR, other.resolve("f").toString(), other.toString(), 0600, 1, 0,
                "temp-1.img", true);
        TempFiles.prepare(image, List.of(notHere), image);
        assertFalse("nothing is written under a folder that is not a temporary one here", Files.exists(other.resolve("f")));
    }

    @Test
    public void boundUnixSocketPaths() {
        Map<Long, String> m = ProcNetUnix.parse("Num       RefCount Protocol Flags    Type St Inode Path\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 24771 /tmp/ompi.h.0/pid.1/usock\n"
                + "0000000000000000: 00000002 00000000 00000000 0001 03 24772\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 24773 @abstract\n");
        assertEquals(Map.of(24771L, "/tmp/ompi.h.0/pid.1/usock"), m);
    }
}
