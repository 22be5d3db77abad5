package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** socketpair00: a Unix stream socketpair between parent and child, full buffers both ways, every byte checked. */
public class SocketpairTest extends FabricTest {
    private static final String BYTES = "800000000";

    @Test(timeout = 180000)
    public void socketpairSurvivesContinueThenKillAndRestart() throws Exception {
        Path out = root().resolve("sp.out");
        int outer = launch(out, "socketpair00", BYTES);
        await(out, l -> l.startsWith("parent recv=") || l.startsWith("child recv="), 30000);
        Checkpoint c1 = checkpoint(outer, false);
        System.out.println("socketpair continue: " + captured(c1));
        awaitLines(out, lines(out).size() + 1, 30000);
        Checkpoint c2 = checkpoint(outer, true);
        System.out.println("socketpair kill: " + captured(c2));
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        assertExit0(waitExit((int) (long) pids.get(0), 120000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("socketpair ok bytes=" + BYTES));
    }
}
