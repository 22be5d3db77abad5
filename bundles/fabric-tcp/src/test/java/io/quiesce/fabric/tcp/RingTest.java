package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** ring00: a forked ring of 4 ranks passing a 64 KiB token over TCP; each hop is checked by its receiver. */
public class RingTest extends FabricTest {

    /** @return the hop numbers logged ("hop N rank R pid P"), checked to rise by one step each time */
    private static List<Long> hops(Path file) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String l : lines(file)) {
            if (l.startsWith("hop ")) {
                out.add(Long.parseLong(l.split(" ")[1]));
            }
        }
        for (int i = 1; i < out.size(); i++) {
            assertEquals("hop lines " + out, out.get(0) + i * (out.get(1) - out.get(0)), (long) out.get(i));
        }
        return out;
    }

    @Test(timeout = 180000)
    public void ringOfFourKilledAndRestartedFinishesWithExactHopCount() throws Exception {
        Path out = root().resolve("ring.out");
        Path hopsFile = root().resolve("ring.hops");
        int outer = launch(out, "ring00", "4", "200000", "65536", hopsFile.toString());
        await(hopsFile, l -> l.startsWith("hop 20000 "), 30000);
        Checkpoint c = checkpoint(outer, true);
        System.out.println("ring kill: " + captured(c) + " at hop " + hops(hopsFile).get(hops(hopsFile).size() - 1));
        long t0 = System.nanoTime();
        List<Long> pids = restart(c.folder(), ExternalPolicy.FAIL);
        System.out.println("ring restart: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertExit0(waitExit((int) (long) pids.get(0), 120000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("ring ok hops=200000"));
        List<Long> h = hops(hopsFile);
        assertEquals("every hundredth hop logged once, in order", 200000L, (long) h.get(h.size() - 1));
    }

    @Test(timeout = 300000)
    public void ringCheckpointedFiveTimesWhileRunningLosesNothing() throws Exception {
        Path out = root().resolve("ring.out");
        Path hopsFile = root().resolve("ring.hops");
        int outer = launch(out, "ring00", "4", "300000", "65536", hopsFile.toString());
        await(hopsFile, l -> l.startsWith("hop 30000 "), 30000); // every 100th of the run is logged: 3000, 6000, ...
        long maxPause = 0;
        long sumPause = 0;
        for (int i = 0; i < 5; i++) {
            int before = hops(hopsFile).size();
            Checkpoint c = checkpoint(outer, false);
            maxPause = Math.max(maxPause, c.pausedMillis());
            sumPause += c.pausedMillis();
            if (i == 0 || i == 4) {
                System.out.println("ring continue " + (i + 1) + ": " + captured(c));
            }
            awaitLines(hopsFile, before + 1, 30000); // it moves on after each checkpoint
        }
        System.out.println("ring: 5 checkpoints, pause mean " + sumPause / 5 + " ms, max " + maxPause + " ms");
        assertExit0(waitExit(outer, 240000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("ring ok hops=300000"));
        assertEquals(300000L, (long) hops(hopsFile).get(hops(hopsFile).size() - 1));
    }
}
