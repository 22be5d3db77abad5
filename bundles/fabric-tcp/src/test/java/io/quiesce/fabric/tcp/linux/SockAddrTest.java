package io.quiesce.fabric.tcp.linux;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class SockAddrTest {
    @Test
    public void ipv4RoundTripsWithThePortInNetworkOrder() {
        byte[] b = SockAddr.encode(Net.AF_INET, "127.0.0.1:40111");
        assertArrayEquals(new byte[] { 2, 0, (byte) 0x9c, (byte) 0xaf, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, b);
        assertEquals("127.0.0.1:40111", SockAddr.decode(b, b.length));
    }

    @Test
    public void ipv6RoundTrips() {
        byte[] b = SockAddr.encode(Net.AF_INET6, "[0:0:0:0:0:0:0:1]:8080");
        assertEquals(28, b.length);
        assertEquals(1, b[23]);
        assertEquals("[0:0:0:0:0:0:0:1]:8080", SockAddr.decode(b, b.length));
    }

    @Test
    public void unixNamesPathAbstractAndNone() {
        byte[] abs = SockAddr.encode(Net.AF_UNIX, "@quiesce-1");
        assertEquals(2 + 1 + 9, abs.length);
        assertEquals("@quiesce-1", SockAddr.decode(abs, abs.length));
        byte[] path = SockAddr.encode(Net.AF_UNIX, "/tmp/s");
        assertEquals("/tmp/s", SockAddr.decode(path, path.length));
        assertEquals("", SockAddr.decode(new byte[] { 1, 0 }, 2));
    }

    @Test
    public void portHelpers() {
        assertEquals("[0:0:0:0:0:0:0:1]:0", SockAddr.withoutPort("[0:0:0:0:0:0:0:1]:8080"));
        assertEquals(8080, SockAddr.port("[0:0:0:0:0:0:0:1]:8080"));
    }
}
