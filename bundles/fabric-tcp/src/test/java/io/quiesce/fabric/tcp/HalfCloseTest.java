package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** halfclose00: the child shut its sending side; the parent must keep reading EOF, the child keep failing to send. */
public class HalfCloseTest extends FabricTest {

    @Test(timeout = 120000)
    public void halfClosedConnectionStaysHalfClosedThroughContinueAndRestart() throws Exception {
        Path out = root().resolve("half.out");
        Path trigger = root().resolve("go");
        int outer = launch(out, "halfclose00", "50000000", "0", trigger.toString());
        await(out, l -> l.startsWith("halfclose eof seen"), 30000);
        Checkpoint c1 = checkpoint(outer, false);
        System.out.println("halfclose continue: " + captured(c1));
        Checkpoint c2 = checkpoint(outer, true);
        assertTrue(c2.image().sockets().stream().anyMatch(TcpImage.SocketImage::finSent));
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        Files.writeString(trigger, "go");
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("halfclose ok bytes=50000000"));
    }
}
