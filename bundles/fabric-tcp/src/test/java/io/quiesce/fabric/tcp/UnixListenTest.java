package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ExternalPolicy;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * unixlisten00: Unix stream listeners on a path and on an abstract name, each with a connection from the child
 * waiting in its accept queue (bytes and EOF in it), through a continue and a kill and restart. At restart the
 * listener's path is checked: a regular file there, or a socket somebody listens on, is a clear error naming the
 * path and is left alone; the stale socket file a dead listener leaves behind is removed and bound again.
 */
public class UnixListenTest extends FabricTest {

    private static void refused(FabricTest t, Path folder, Path path, String why) throws Exception {
        try {
            t.restart(folder, ExternalPolicy.FAIL);
            fail("restart with " + path + " " + why);
        } catch (CheckpointException e) {
            System.out.println("unixlisten " + why + ": " + e.getMessage());
            assertTrue(e.getMessage(), e.getMessage().contains(path.toString()) && e.getMessage().contains(why));
        }
    }

    @Test(timeout = 120000)
    public void pendingConnectionsSurviveContinueThenKillAndRestart() throws Exception {
        Path out = root().resolve("ul.out");
        Path trigger = root().resolve("go");
        Path dir = Files.createDirectories(root().resolve("sockets"));
        Path sock = dir.resolve("l.sock");
        int outer = launch(out, "unixlisten00", dir.toString(), trigger.toString(), "100000");
        await(out, l -> l.startsWith("unixlisten pending"), 30000);
        Checkpoint c1 = checkpoint(outer, false);
        System.out.println("unixlisten continue: " + captured(c1));
        assertEquals(captured(c1), 2, c1.image().sockets().stream().filter(s -> TcpImage.PENDING.equals(s.role())).count());
        assertEquals(captured(c1), 2, c1.image().sockets().stream().filter(s -> TcpImage.LISTEN.equals(s.role())).count());
        Checkpoint c2 = checkpoint(outer, true);
        System.out.println("unixlisten kill: " + captured(c2));
        assertTrue("the dead listener's socket file stays", Files.exists(sock));
        // something else at the path is never removed
        Files.delete(sock);
        Files.writeString(sock, "not a socket");
        refused(this, c2.folder(), sock, "is not a socket");
        assertEquals("not a socket", Files.readString(sock));
        Files.delete(sock);
        // a socket in use is never removed; once its listener is gone it is stale and is replaced
        try (ServerSocketChannel squatter = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            squatter.bind(UnixDomainSocketAddress.of(sock));
            refused(this, c2.folder(), sock, "in use");
        }
        assertTrue(Files.exists(sock));
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        Files.writeString(trigger, "go");
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("unixlisten ok bytes=100000"));
    }
}
