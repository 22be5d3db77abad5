package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * tcpstream00 at full speed: continue checkpoints (each drain lets the receivers' buffers autotune further) until
 * one direction's capture is larger than what a rebuilt connection takes with the unprivileged buffer caps
 * (2 x net.core.wmem_max send buffer + 2 x net.core.rmem_max receive buffer), then the job is killed and restarted
 * from that checkpoint. As root the buffers are forced to fit before release; unprivileged the rest is sent after
 * release while the sender is held in group-stop. The programs check every byte.
 */
public class RefillOverflowTest extends FabricTest {
    private static final String BYTES = "6000000000";

    static long sysctl(String name, int field) throws Exception {
        // one read with a large buffer: Files.readString reads a sysctl file (size 0) a byte at a time and gets 1 byte
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/sys/net/" + name)) {
            byte[] b = new byte[256];
            int n = in.read(b);
            return Long.parseLong(new String(b, 0, n).trim().split("\\s+")[field]);
        }
    }

    @Test(timeout = 300000)
    public void refillLargerThanTheBuffersIsFinishedWithTheSenderHeld() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        // what a rebuilt loopback connection takes while both ends are stopped, unprivileged (payload <= buffer)
        long capped = 2 * sysctl("core/wmem_max", 0) + 2 * sysctl("core/rmem_max", 0);
        // the bug's threshold: the old refill (SO_SNDBUF grown to its cap, fresh receiver)
        long old = 2 * sysctl("core/wmem_max", 0) + sysctl("ipv4/tcp_rmem", 1);
        Path out = root().resolve("stream.out");
        int outer = launch(out, "tcpstream00", BYTES);
        await(out, l -> l.startsWith("parent recv="), 30000);
        Checkpoint chosen = null;
        long big = 0;
        for (int i = 0; i < 30 && chosen == null; i++) {
            Checkpoint c = checkpoint(outer, false);
            long max = 0, min = Long.MAX_VALUE;
            for (TcpImage.SocketImage s : c.image().sockets()) {
                long n = s.incoming() == null ? 0 : s.incoming().length();
                max = Math.max(max, n);
                min = Math.min(min, n);
            }
            System.out.println("refill continue " + i + ": " + captured(c) + " largest direction=" + max + " other=" + min + " (capped capacity "
                    + capped + ")");
            // unprivileged, both directions over the caps would be a refused cycle: wait for a checkpoint with one
            if (max > capped && (root || min < capped / 2)) {
                chosen = c;
                big = max;
            }
            Thread.sleep(50);
        }
        // how far the stream's buffers autotune depends on how fast the machine moves bytes between checkpoints: on a
        // machine too loaded to fill them past what fresh buffers hold, there is nothing for this test to show
        if (chosen == null) {
            killJob(outer);
        }
        org.junit.Assume.assumeTrue("no continue checkpoint captured more than " + capped + " bytes in one direction (the machine "
                + "is too loaded to fill the buffers that far)", chosen != null);
        assertTrue(big > old);
        killJob(outer);
        long t0 = System.nanoTime();
        List<Long> pids = restart(chosen.folder(), ExternalPolicy.FAIL);
        System.out.println("refill restart: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        TcpRestore r = (TcpRestore) lastRestore;
        Refill.Flow f = r.flows().stream().filter(x -> x.bytes.length == chosenLength(r)).findFirst().orElseThrow();
        for (Refill.Flow x : r.flows()) {
            System.out.println("refill flow: " + x + (x.held ? " held" : ""));
        }
        if (root) {
            assertEquals("forced", f.sndGrowth.mode());
            assertEquals("forced", f.rcvGrowth.mode());
            assertEquals("all queued before release", f.bytes.length, f.beforeRelease);
        } else {
            assertTrue("the refill did not fit before release: " + f, f.beforeRelease < f.bytes.length);
            long deadline = System.currentTimeMillis() + 60000;
            while (!r.pumpOver() && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertTrue("pump over", r.pumpOver());
            assertTrue("the held sender was seen in group-stop", f.sawGroupStop);
            assertTrue("the rest was queued after release", f.done() && !f.failed);
            System.out.println("refill pumped after release: " + (f.bytes.length - f.beforeRelease) + " bytes in "
                    + (f.doneNanos - t0) / 1_000_000 + " ms from the restart's start");
        }
        assertFalse(r.flows().stream().anyMatch(x -> x.failed));
        assertExit0(waitExit((int) (long) pids.get(0), 180000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("tcpstream ok bytes=" + BYTES));
    }

    private static long chosenLength(TcpRestore r) {
        return r.flows().stream().mapToLong(x -> x.bytes.length).max().orElse(0);
    }
}
