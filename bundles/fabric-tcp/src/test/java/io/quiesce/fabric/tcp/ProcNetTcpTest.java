package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import org.junit.Test;

public class ProcNetTcpTest {
    private static final String TCP = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 0100007F:9CAF 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 54077 1 0000000000000000 100 0 0 10 0\n"
            + "   1: 0100007F:B3A0 0100007F:15B3 01 00000000:00000000 00:00000000 00000000  1000        0 24771 1 0000000000000000 20 4 30 10 -1\n";
    private static final String TCP6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 99 1 0000000000000000 100 0 0 10 0\n";

    @Test
    public void parsesIpv4ListenerAndEstablished() {
        Map<Long, ProcNetTcp.Socket> s = ProcNetTcp.parse(TCP);
        assertEquals(new ProcNetTcp.Socket(54077, "127.0.0.1:40111", "0.0.0.0:0", "listen"), s.get(54077L));
        assertEquals(new ProcNetTcp.Socket(24771, "127.0.0.1:45984", "127.0.0.1:5555", "established"), s.get(24771L));
    }

    @Test
    public void parsesIpv6Loopback() {
        assertEquals("[0000:0000:0000:0000:0000:0000:0000:0001]:8080", ProcNetTcp.parse(TCP6).get(99L).local());
    }
}
