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
    public void sameAddressesOnAnotherFabricDoNotPair() {
        Endpoint a = ep(10, 3, "x:1", "x:2");
        Endpoint b = new Endpoint("verbs", "h", 11, 4, "qp", "x:2", "x:1");
        assertTrue(ChannelPairing.pair("p", List.of(a, b)).stream().noneMatch(Channel::intraJob));
    }
}
