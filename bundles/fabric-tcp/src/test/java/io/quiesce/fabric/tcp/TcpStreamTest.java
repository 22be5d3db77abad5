package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** tcpstream00: bulk TCP both ways with full windows at every freeze; every byte is checked by the programs. */
public class TcpStreamTest extends FabricTest {
    private static final String BYTES = "1500000000";

    @Test(timeout = 180000)
    public void bulkStreamSurvivesContinueThenKillAndRestart() throws Exception {
        Path out = root().resolve("stream.out");
        int outer = launch(out, "tcpstream00", BYTES);
        await(out, l -> l.startsWith("parent recv="), 30000);
        Checkpoint c1 = checkpoint(outer, false);
        System.out.println("tcpstream continue: " + captured(c1));
        int seen = FabricTest.lines(out).size();
        awaitLines(out, seen + 2, 30000);
        Checkpoint c2 = checkpoint(outer, true);
        System.out.println("tcpstream kill: " + captured(c2));
        long t0 = System.nanoTime();
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        System.out.println("tcpstream restart: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertExit0(waitExit((int) (long) pids.get(0), 120000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("tcpstream ok bytes=" + BYTES));
    }
}
