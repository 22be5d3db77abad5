package io.quiesce.coordinator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.Channel;
import io.quiesce.api.Endpoint;
import java.util.List;
import org.junit.Test;

public class ChannelPairingTest {
    private static Endpoint ep(long pid, int fd, String local, String remote) {
        return new Endpoint("tcp", "h", pid, fd, remote == null ? "tcp-listen" : "tcp-established", local, remote);
    }

    @Test
    public void mirroredEndpointsFormOneIntraJobChannel() {
        Endpoint a = ep(10, 3, "127.0.0.1:5000", "127.0.0.1:40000");
        Endpoint b = ep(11, 4, "127.0.0.1:40000", "127.0.0.1:5000");
        Endpoint ext = ep(10, 5, "127.0.0.1:40001", "127.0.0.1:9999");
        Endpoint listener = ep(10, 6, "0.0.0.0:5000", null);
        List<Channel> ch = ChannelPairing.pair("7:1", List.of(a, b, ext, listener));
        assertEquals(4, ch.size());
        assertEquals(b, ch.get(0).b());
        assertEquals(a, ch.get(1).b());
        assertEquals("both ends share the channel ID", ch.get(0).id(), ch.get(1).id());
        assertTrue(ch.get(0).id().startsWith("7:1:tcp:"));
        assertFalse(ch.get(2).intraJob());
        assertNull(ch.get(3).b());
        assertEquals(3, ch.stream().map(Channel::id).distinct().count());
    }

    @Test
    public void aDualStackEndPairsWithItsIpv4PeerOnAnotherHost() {
        Endpoint v6 = new Endpoint("tcp", "node-a", 10, 4, "tcp-established", "[10.0.0.1]:47303", "[::ffff:10.0.0.2]:42466");
        Endpoint v4 = new Endpoint("tcp", "node-b", 20, 3, "tcp-established", "10.0.0.2:42466", "10.0.0.1:47303");
        Endpoint other = new Endpoint("tcp", "node-b", 21, 3, "tcp-established", "10.0.0.2:42467", "10.0.0.1:47303");
        List<Channel> ch = ChannelPairing.pair("p", List.of(v6, v4, other));
        assertEquals(v4, ch.get(0).b());
        assertEquals(v6, ch.get(1).b());
        assertEquals(ch.get(0).id(), ch.get(1).id());
        assertFalse("a port differs: no pair", ch.get(2).intraJob());
        assertEquals("[fe80::1]:5", ChannelPairing.normal("[fe80::1]:5"));
        assertEquals("10.0.0.1:5", ChannelPairing.normal("[::FFFF:10.0.0.1]:5"));
    }

    @Test
    public void sameAddressesOnAnotherFabricDoNotPair() {
        Endpoint a = ep(10, 3, "x:1", "x:2");
        Endpoint b = new Endpoint("verbs", "h", 11, 4, "qp", "x:2", "x:1");
        assertTrue(ChannelPairing.pair("p", List.of(a, b)).stream().noneMatch(Channel::intraJob));
    }
}
