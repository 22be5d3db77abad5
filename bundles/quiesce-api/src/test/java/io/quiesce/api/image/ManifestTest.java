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

    private static Manifest hosts(int version, HostRecord... hosts) {
        return new Manifest(ImageFormat.MAGIC, version, "1", "sim", List.of("x"), 1, "2026-01-01T00:00:00Z", "userspace", null,
                List.of(hosts), 0, null);
    }

    @Test
    public void hostPartFoldersAreCheckedInFormat3AndAbsentBefore() throws ImageException {
        HostRecord a = new HostRecord("a", List.of(), List.of("a/x.img"), "a");
        HostRecord b = new HostRecord("b", List.of(), List.of("b/x.img"), "b");
        hosts(3, a, b).check(FILE);
        hosts(ImageFormat.VERSION_FLAT, new HostRecord("a", List.of(), List.of("x.img"))).check(FILE);
        for (Manifest bad : List.of(hosts(3, a, new HostRecord("b", List.of(), List.of(), "a")),
                hosts(3, new HostRecord("a", List.of(), List.of(), null)),
                hosts(3, new HostRecord("a", List.of(), List.of(), "../etc")),
                hosts(3, new HostRecord("a", List.of(), List.of(), "x/y")),
                hosts(ImageFormat.VERSION_FLAT, a),
                hosts(ImageFormat.VERSION_FLAT, new HostRecord("a", List.of(), List.of()), new HostRecord("b", List.of(), List.of())))) {
            ImageException e = assertThrows(ImageException.class, () -> bad.check(FILE));
            assertTrue(e.getMessage(), e.getMessage().contains("hosts.folder") || e.getMessage().contains("hosts; it holds one"));
        }
    }

    @Test
    public void withFilesKeepsTheLayoutsFormat() {
        HostRecord flat = new HostRecord("a", List.of(), List.of("x.img"));
        HostRecord part = new HostRecord("a", List.of(), List.of("a/x.img"), "a");
        assertEquals(ImageFormat.VERSION_FLAT, hosts(1, flat).withFiles(List.of()).formatVersion());
        assertEquals(ImageFormat.VERSION, hosts(1, part).withFiles(List.of()).formatVersion());
    }
}
