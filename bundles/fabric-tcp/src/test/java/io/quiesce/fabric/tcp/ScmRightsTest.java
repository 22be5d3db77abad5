package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;

/**
 * scmrights00: a descriptor in flight (SCM_RIGHTS, its only copy) in a queued Unix stream message, datagram, and
 * zero-length datagram already peeked by the application (hidden from offset peeks, so only found when the queue is
 * taken): every checkpoint is refused naming the receiving socket and SCM_RIGHTS, the job runs on, and the message
 * and its descriptor are still there for the application (it reads the pipe through the descriptor it receives).
 */
public class ScmRightsTest extends FabricTest {

    private void refusedAndKept(String mode) throws Exception {
        Path out = root().resolve("sr-" + mode + ".out");
        Path trigger = root().resolve("go-" + mode);
        int outer = launch(out, "scmrights00", mode, trigger.toString());
        await(out, l -> l.startsWith("scmrights ready"), 30000);
        await(out, l -> l.startsWith("scmrights sent"), 30000);
        for (boolean kill : new boolean[] { false, true }) {
            try {
                checkpoint(outer, kill);
                fail("checkpoint with a descriptor in flight (" + mode + ")");
            } catch (CheckpointException e) {
                System.out.println("scmrights " + mode + ": " + e.getMessage());
                assertTrue(e.getMessage(), e.getMessage().contains("SCM_RIGHTS") && e.getMessage().matches(".*process \\d+ fd 4 .*"));
            }
        }
        Files.writeString(trigger, "go");
        assertExit0(waitExit(outer, 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("scmrights ok mode=" + mode));
    }

    @Test(timeout = 120000)
    public void descriptorInFlightOnAStreamIsRefusedAndKept() throws Exception {
        refusedAndKept("stream");
    }

    @Test(timeout = 120000)
    public void descriptorInFlightInADatagramIsRefusedAndKept() throws Exception {
        refusedAndKept("dgram");
    }

    @Test(timeout = 120000)
    public void descriptorInAPeekedEmptyDatagramIsRefusedAndPutBack() throws Exception {
        refusedAndKept("peeked");
    }
}
