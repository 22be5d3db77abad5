package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointException;
import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import java.util.List;
import org.junit.Test;

/**
 * A part restored on another host: sockets bound to an address this host lacks are bound to its cluster address on
 * the same port; wildcard, loopback and this host's own addresses are kept. 192.0.2.0/24 (TEST-NET-1) is never an
 * address of this machine, so it plays the other host's.
 */
public class MovedAddressesTest {
    private static SocketImage socket(int id, String kind, int family, String role, String local, String remote) {
        return new SocketImage(id, 100, 3 + id, false, kind, family, role, Net.TCP_ESTABLISHED, local, remote, null, -1, -1, 0, 0, false,
                List.of(), null, Net.SOCK_STREAM, null, null, null, null);
    }

    private static TcpImage image(SocketImage... s) {
        return new TcpImage(TcpImage.MAGIC, TcpImage.VERSION, List.of(s));
    }

    @Test
    public void anotherHostsAddressesBecomeThisHostsOnTheSamePorts() throws Exception {
        TcpImage saved = image(socket(1, "tcp", Net.AF_INET, TcpImage.LISTEN, "192.0.2.3:7802", null),
                socket(2, "tcp", Net.AF_INET, TcpImage.REMOTE, "192.0.2.3:41000", "192.0.2.1:7803"),
                socket(3, "tcp", Net.AF_INET, TcpImage.LISTEN, "0.0.0.0:9000", null),
                socket(4, "tcp", Net.AF_INET, TcpImage.CONNECTED, "127.0.0.1:9001", "127.0.0.1:9002"),
                socket(5, "udp", Net.AF_INET6, TcpImage.DATAGRAM, "[2001:db8::3]:5353", null),
                socket(6, "unix", Net.AF_UNIX, TcpImage.CONNECTED, null, null));
        MovedAddresses.Moved m = MovedAddresses.translate(saved, "node-c", "127.0.0.1");
        List<SocketImage> s = m.image().sockets();
        assertEquals("127.0.0.1:7802", s.get(0).local());
        assertEquals("127.0.0.1:41000", s.get(1).local());
        assertEquals("the peer's address is the peer's", "192.0.2.1:7803", s.get(1).remote());
        assertEquals("0.0.0.0:9000", s.get(2).local());
        assertEquals("127.0.0.1:9001", s.get(3).local());
        assertEquals("an IPv6 socket gets the IPv4 address mapped", "[::ffff:127.0.0.1]:5353", s.get(4).local());
        assertEquals(null, s.get(5).local());
        assertEquals("the saved addresses, for the side that accepts", "192.0.2.3:41000", m.savedLocal().get(2));
        assertEquals(List.of(1, 2, 5), List.copyOf(m.savedLocal().keySet()));
        assertEquals(m.warnings().toString(), 2, m.warnings().size());
        assertTrue(m.warnings().get(0), m.warnings().get(0).contains("host node-c's address 192.0.2.3 is not on this host")
                && m.warnings().get(0).contains("127.0.0.1"));
    }

    @Test
    public void withoutAnAddressOfItsOwnOrOfAnotherFamilyTheRestoreIsRefusedNamingTheSocket() {
        TcpImage saved = image(socket(1, "tcp", Net.AF_INET, TcpImage.LISTEN, "192.0.2.3:7802", null));
        CheckpointException e = assertThrows(CheckpointException.class, () -> MovedAddresses.translate(saved, "node-c", null));
        assertTrue(e.getMessage(), e.getMessage().contains("192.0.2.3") && e.getMessage().contains("process 100 fd 4")
                && e.getMessage().contains("cluster address is unknown"));
        CheckpointException v6 = assertThrows(CheckpointException.class, () -> MovedAddresses.translate(saved, "node-c", "::1"));
        assertTrue(v6.getMessage(), v6.getMessage().contains("is IPv6"));
    }

    @Test
    public void anAddressThisHostHasIsKept() throws Exception {
        String mine = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).map(java.net.InetAddress::getHostAddress)
                .findFirst().orElse(null);
        org.junit.Assume.assumeTrue("this machine has an IPv4 address besides loopback", mine != null);
        TcpImage saved = image(socket(1, "tcp", Net.AF_INET, TcpImage.LISTEN, mine + ":7802", null),
                socket(2, "tcp", Net.AF_INET, TcpImage.LISTEN, "127.0.0.2:7803", null));
        MovedAddresses.Moved m = MovedAddresses.translate(saved, "node-c", "192.0.2.9");
        assertEquals(mine + ":7802", m.image().sockets().get(0).local());
        assertEquals("127.0.0.2:7803", m.image().sockets().get(1).local());
        assertTrue(m.warnings().isEmpty());
    }
}
