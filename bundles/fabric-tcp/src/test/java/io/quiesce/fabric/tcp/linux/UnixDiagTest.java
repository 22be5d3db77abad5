package io.quiesce.fabric.tcp.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.junit.Test;

public class UnixDiagTest {
    /** One unix_diag_msg with a UNIX_DIAG_PEER and a UNIX_DIAG_SHUTDOWN attribute, then NLMSG_DONE. */
    @Test
    public void parsesPeerAndShutdownThenDone() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        int len = 16 + 16 + 8 + 8;
        b.putInt(len).putShort((short) 20).putShort((short) 2).putInt(1).putInt(0);
        b.put((byte) 1).put((byte) 1).put((byte) 1).put((byte) 0).putInt(733480).putInt(0).putInt(0);
        b.putShort((short) 8).putShort((short) 2).putInt(733479); // peer
        b.putShort((short) 5).putShort((short) 6).put((byte) 2).put((byte) 0).putShort((short) 0); // shutdown, padded
        b.putInt(20).putShort((short) 3).putShort((short) 2).putInt(1).putInt(0).putInt(0);
        Map<Long, UnixDiag.Info> out = new HashMap<>();
        assertTrue(UnixDiag.parse(b.array(), b.position(), out));
        assertEquals(new UnixDiag.Info(733480, 1, 1, 733479, 2), out.get(733480L));
    }

    @Test
    public void aPartialDumpIsNotDone() throws IOException {
        assertFalse(UnixDiag.parse(new byte[0], 0, new HashMap<>()));
    }

    @Test
    public void theRequestAsksForEveryStateWithPeers() {
        ByteBuffer r = ByteBuffer.wrap(UnixDiag.request()).order(ByteOrder.nativeOrder());
        assertEquals(40, r.getInt(0));
        assertEquals(1, r.get(16)); // AF_UNIX
        assertEquals(-1, r.getInt(20));
        assertEquals(4 | 8 | 0x10 | 0x40, r.getInt(28)); // peer, waiting clients, queue lengths, shutdown
    }

    /** A listener: UNIX_DIAG_ICONS (the waiting clients' inodes, in queue order) and UNIX_DIAG_RQLEN (queue length, backlog). */
    @Test
    public void parsesAListenersWaitingClientsAndBacklog() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        int len = 16 + 16 + 12 + 12;
        b.putInt(len).putShort((short) 20).putShort((short) 2).putInt(1).putInt(0);
        b.put((byte) 1).put((byte) 1).put((byte) 10).put((byte) 0).putInt(900).putInt(0).putInt(0);
        b.putShort((short) 12).putShort((short) 3).putInt(901).putInt(905); // icons
        b.putShort((short) 12).putShort((short) 4).putInt(2).putInt(16); // rqlen
        b.putInt(20).putShort((short) 3).putShort((short) 2).putInt(1).putInt(0).putInt(0);
        Map<Long, UnixDiag.Info> out = new HashMap<>();
        assertTrue(UnixDiag.parse(b.array(), b.position(), out));
        assertEquals(new UnixDiag.Info(900, 1, 10, 0, 0, java.util.List.of(901L, 905L), 16), out.get(900L));
    }
}
