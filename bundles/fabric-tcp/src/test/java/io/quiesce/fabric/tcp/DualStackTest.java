package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.SockAddr;
import io.quiesce.fabric.tcp.linux.TcpDiag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * dualstack00: an IPv6-only listener and an IPv4 SO_REUSEPORT listener on one port, as mpirun makes them, with
 * connections between the job's processes; killed and restarted at once (no wait for the killed connections'
 * TIME_WAIT), the bind-time options are back and both listeners work. As root, the job first leaves a TIME_WAIT on
 * its IPv6 listener's port (a connection it closed first), which refuses the port to any new listener: the restart
 * removes it (as root only; without privileges it would wait for it for up to a minute).
 */
public class DualStackTest extends FabricTest {
    @Test(timeout = 120000)
    public void bindTimeOptionsAndListenersSurviveContinueThenImmediateKillAndRestart() throws Exception {
        Path out = root().resolve("dual.out");
        boolean root = "root".equals(System.getProperty("user.name"));
        int outer = root ? launch(out, "dualstack00", "6000", "remnant") : launch(out, "dualstack00", "6000");
        await(out, l -> l.startsWith("dual n=500 "), 30000);
        Checkpoint c1 = checkpoint(outer, false);
        await(out, l -> l.startsWith("dual n=1000 "), 30000);
        Checkpoint c2 = checkpoint(outer, true);
        System.out.println("dualstack kill: " + captured(c2));
        List<TcpImage.SocketImage> listeners = c2.image().sockets().stream().filter(s -> TcpImage.LISTEN.equals(s.role())).toList();
        assertEquals(captured(c2), 2, listeners.size());
        assertTrue(captured(c1), listeners.stream().anyMatch(s -> s.options().contains(new TcpImage.Option(Net.SOL_IPV6, Net.IPV6_V6ONLY, 1))));
        assertTrue(captured(c1), listeners.stream().anyMatch(s -> s.options().contains(new TcpImage.Option(Net.SOL_SOCKET, Net.SO_REUSEPORT, 1))));
        if (root) {
            String v6 = listeners.stream().filter(l -> l.family() == Net.AF_INET6).findFirst().orElseThrow().local();
            assertFalse("the TIME_WAIT remnant on " + v6, TcpDiag.timeWaits(Net.AF_INET6, SockAddr.port(v6)).isEmpty());
        }
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("dual ok rounds=6000"));
    }
}
