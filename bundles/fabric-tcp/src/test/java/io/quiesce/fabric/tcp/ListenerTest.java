package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ExternalPolicy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * listen00: a listener whose accept queue holds a connection from its own child (with its bytes and FIN); it is
 * accepted only after the test's trigger file appears, after the checkpoints.
 */
public class ListenerTest extends FabricTest {


    @Test(timeout = 120000)
    public void pendingConnectionSurvivesContinueThenKillAndRestart() throws Exception {
        Path out = root().resolve("listen.out");
        Path trigger = root().resolve("go");
        int outer = launch(out, "listen00", "300000", trigger.toString());
        await(out, l -> l.startsWith("listen pending"), 30000);
        Thread.sleep(200); // the child has sent everything and shut down
        Checkpoint c1 = checkpoint(outer, false);
        System.out.println("listen continue: " + captured(c1));
        assertTrue(captured(c1), c1.image().sockets().stream().anyMatch(s -> TcpImage.PENDING.equals(s.role())));
        Checkpoint c2 = checkpoint(outer, true);
        System.out.println("listen kill: " + captured(c2));
        TcpImage.SocketImage listener = c2.image().sockets().stream().filter(s -> TcpImage.LISTEN.equals(s.role())).findFirst().orElseThrow();
        // a taken listening port is a clear error naming it
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(listener.local().substring(listener.local().lastIndexOf(':') + 1))));
            try {
                restart(c2.folder(), ExternalPolicy.FAIL);
                fail("restart with the listening port taken");
            } catch (CheckpointException e) {
                System.out.println("listen port taken: " + e.getMessage());
                assertTrue(e.getMessage(), e.getMessage().contains(listener.local()) && e.getMessage().contains("taken"));
            }
        }
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        Files.writeString(trigger, "go");
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("listen ok bytes=300000"));
    }
}
