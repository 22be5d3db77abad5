package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * evloop00: an event-loop server whose epoll watches its clients' sockets (one edge-triggered, one
 * level-triggered), an eventfd and a timerfd. The backend re-adds the epoll registrations at release, after this
 * fabric rebuilt the sockets they watch; every reply is checked and the server counts all requests.
 */
public class EvloopTest extends FabricTest {
    private static final String REQUESTS = "300";

    private void run(String mode) throws Exception {
        Path out = root().resolve("evloop-" + mode + ".out");
        int outer = launch(out, "evloop00", mode, REQUESTS);
        await(out, l -> l.startsWith("client 1 n=40 "), 30000);
        checkpoint(outer, false);
        await(out, l -> l.startsWith("client 1 n=80 "), 30000);
        Checkpoint c = checkpoint(outer, true);
        System.out.println("evloop " + mode + " kill: " + captured(c));
        List<Long> pids = restart(c.folder(), ExternalPolicy.FAIL);
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        String all = Files.readString(out);
        assertTrue(all, all.contains("evloop ok requests=600 "));
    }

    @Test(timeout = 120000)
    public void eventLoopOverASocketpairSurvivesContinueThenKillAndRestart() throws Exception {
        run("socketpair");
    }

    @Test(timeout = 120000)
    public void eventLoopOverTcpLoopbackSurvivesContinueThenKillAndRestart() throws Exception {
        run("tcp");
    }
}
