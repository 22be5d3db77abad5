package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * unixdgram00: Unix datagram and seqpacket messages queued in socketpairs and in sockets bound to a path and to an
 * abstract name (from an unnamed and a named sender, with credentials) are kept across a continue, and across a kill
 * and restart, every message, boundary and sender address checked by the program.
 */
public class UnixDgramTest extends FabricTest {
    private static final int K = 50;

    private Path start(Path out, Path trigger) throws Exception {
        Path dir = Files.createDirectories(root().resolve("sockets"));
        int outer = launch(out, "unixdgram00", dir.toString(), trigger.toString(), String.valueOf(K));
        outers.add(outer);
        await(out, l -> l.startsWith("unixdgram child sent"), 30000);
        return dir;
    }

    private final java.util.List<Integer> outers = new java.util.ArrayList<>();

    /** @return how many messages the image keeps, over all sockets */
    private static int messages(Checkpoint c) {
        return c.image().sockets().stream().mapToInt(s -> s.records() == null ? 0 : s.records().size()).sum();
    }

    @Test(timeout = 120000)
    public void queuedMessagesSurviveContinue() throws Exception {
        Path out = root().resolve("ud.out");
        Path trigger = root().resolve("go");
        start(out, trigger);
        Checkpoint c = checkpoint(outers.get(0), false);
        System.out.println("unixdgram continue: " + captured(c) + " messages=" + messages(c));
        assertEquals(captured(c), 2 * K + 16, messages(c));
        Files.writeString(trigger, "go");
        assertExit0(waitExit(outers.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("unixdgram ok messages=" + (4 * K + 16)));
    }

    @Test(timeout = 120000)
    public void queuedMessagesSurviveContinueThenKillAndRestart() throws Exception {
        Path out = root().resolve("ud.out");
        Path trigger = root().resolve("go");
        Path dir = start(out, trigger);
        Checkpoint c1 = checkpoint(outers.get(0), false);
        Checkpoint c2 = checkpoint(outers.get(0), true);
        System.out.println("unixdgram kill: " + captured(c2) + " messages=" + messages(c2));
        assertEquals(captured(c2), 2 * K + 16, messages(c2));
        assertEquals(messages(c1), messages(c2));
        // the dead process's socket file stays behind; the restart finds it stale and binds again
        assertTrue(Files.exists(dir.resolve("p.sock")));
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        Files.writeString(trigger, "go");
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("unixdgram ok messages=" + (4 * K + 16)));
    }
}
