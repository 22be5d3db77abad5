package io.quiesce.api.image;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ImageException;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

public class ManifestTest {
    private static final Path FILE = Path.of("/store/job/1/manifest.json");

    private static Manifest manifest(String magic, int version, String backend, long epoch) {
        return new Manifest(magic, version, "1", "sim", List.of("sleep", "9"), epoch, "2026-01-01T00:00:00Z", backend,
                null, null, 0, null);
    }

    @Test
    public void acceptsCurrentFormat() throws ImageException {
        Manifest m = manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "userspace", 1);
        assertSame(m, m.check(FILE));
        assertTrue("missing lists read as empty", m.fabrics().isEmpty() && m.hosts().isEmpty());
    }

    @Test
    public void rejectsOtherVersionNamingFileAndVersions() {
        ImageException e = assertThrows(ImageException.class,
                () -> manifest(ImageFormat.MAGIC, ImageFormat.VERSION + 1, "userspace", 1).check(FILE));
        assertTrue(e.getMessage(), e.getMessage().startsWith(FILE.toString()));
        assertTrue(e.getMessage(), e.getMessage().contains("version " + (ImageFormat.VERSION + 1)));
        assertEquals(FILE, e.path());
    }

    @Test
    public void rejectsWrongMagicMissingBackendAndBadEpoch() {
        assertThrows(ImageException.class, () -> manifest("criu", ImageFormat.VERSION, "userspace", 1).check(FILE));
        assertThrows(ImageException.class, () -> manifest(null, ImageFormat.VERSION, "userspace", 1).check(FILE));
        assertThrows(ImageException.class, () -> manifest(ImageFormat.MAGIC, ImageFormat.VERSION, " ", 1).check(FILE));
        assertThrows(ImageException.class, () -> manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "userspace", 0).check(FILE));
    }

    @Test
    public void fdEntriesReportTheirKind() {
        List<FdEntry> fds = List.of(new FdEntry.RegularFile(3, "/tmp/x", 10, 02001, false, null),
                new FdEntry.Pipe(4, 99, true, 1, null), new FdEntry.CharDevice(0, "/dev/null", 0),
                new FdEntry.TcpSocket(5, "established", "127.0.0.1:1", "127.0.0.1:2", 2),
                new FdEntry.UnixSocket(6, 7, 8, null, 2), new FdEntry.Fifo(7, "/tmp/f", 0, null),
                new FdEntry.Other(8, "anon_inode:[eventfd]"));
        assertEquals(List.of(ResourceKind.REGULAR_FILE, ResourceKind.PIPE, ResourceKind.CHAR_DEVICE, ResourceKind.TCP_SOCKET,
                ResourceKind.UNIX_SOCKET, ResourceKind.FIFO, ResourceKind.OTHER_FD), fds.stream().map(FdEntry::kind).toList());
    }
}
