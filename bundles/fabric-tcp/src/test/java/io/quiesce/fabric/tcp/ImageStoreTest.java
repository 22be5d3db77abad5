package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.ImageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ImageStoreTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static Found connected(int id, byte[] incoming) {
        Found f = new Found();
        f.id = id;
        f.pid = 42;
        f.fd = 3 + id;
        f.kind = "tcp";
        f.family = 2;
        f.role = TcpImage.CONNECTED;
        f.local = "127.0.0.1:" + (1000 + id);
        f.remote = "127.0.0.1:" + (1001 - id);
        f.options.add(new TcpImage.Option(6, 1, 1));
        f.incoming = incoming;
        f.strategy = incoming == null ? null : "drain";
        return f;
    }

    @Test
    public void savesJsonAndQueuesPrivatelyAndReadsThemBackChecked() throws Exception {
        Path folder = tmp.getRoot().toPath();
        Found a = connected(0, new byte[] { 1, 2, 3 });
        Found b = connected(1, null);
        a.peer = b;
        b.peer = a;
        List<String> files = ImageStore.save(folder, List.of(a, b));
        assertEquals(List.of("tcp-0-in.img", TcpImage.FILE), files);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("tcp-0-in.img"))));
        TcpImage image = ImageStore.load(folder);
        assertEquals(2, image.sockets().size());
        TcpImage.SocketImage s = image.sockets().get(0);
        assertEquals(1, s.peer());
        assertEquals("drain", s.incoming().strategy());
        assertEquals(List.of(new TcpImage.Option(6, 1, 1)), s.options());
        assertArrayEquals(new byte[] { 1, 2, 3 }, ImageStore.read(folder, s.incoming()));
    }

    @Test
    public void aDamagedOrShortQueueIsAnErrorNamingItsFile() throws Exception {
        Path folder = tmp.getRoot().toPath();
        Found a = connected(0, new byte[] { 1, 2, 3 });
        Found b = connected(1, null);
        a.peer = b;
        b.peer = a;
        ImageStore.save(folder, List.of(a, b));
        TcpImage.Queue q = ImageStore.load(folder).sockets().get(0).incoming();
        Files.write(folder.resolve(q.file()), new byte[] { 1, 2, 4 });
        try {
            ImageStore.read(folder, q);
            fail();
        } catch (ImageException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("tcp-0-in.img") && e.getMessage().contains("CRC32C"));
        }
        Files.write(folder.resolve(q.file()), new byte[] { 1, 2 });
        try {
            ImageStore.read(folder, q);
            fail();
        } catch (ImageException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("tcp-0-in.img") && e.getMessage().contains("2 bytes, 3 were saved"));
        }
    }

    @Test
    public void aCheckpointWithoutTheFileHasNoSockets() throws Exception {
        assertEquals(null, ImageStore.load(tmp.getRoot().toPath()));
    }

    @Test
    public void wildcardListenersAreReachedByPort() {
        assertTrue(Pending.reaches("0.0.0.0:80", "127.0.0.1:80"));
        assertTrue(Pending.reaches("127.0.0.1:80", "127.0.0.1:80"));
        assertTrue(!Pending.reaches("127.0.0.1:80", "127.0.0.2:80"));
    }
}
