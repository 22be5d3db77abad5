package io.quiesce.coordinator;

import io.quiesce.api.Channel;
import io.quiesce.api.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs the endpoints that every host discovered into channels: two endpoints of one fabric whose local and
 * remote addresses mirror each other are the two ends of an intra-job connection; an endpoint with no mirror talks
 * to a peer outside the job (or listens).
 */
final class ChannelPairing {
    private ChannelPairing() {
    }

    /**
     * @param prefix    makes channel IDs cluster-unique, e.g. {@code "<job>:<epoch>"}
     * @param endpoints every endpoint found
     * @return one channel per connection end: intra-job channels appear once per end (each end sees the other as b)
     */
    static List<Channel> pair(String prefix, List<Endpoint> endpoints) {
        Map<String, Endpoint> byLocal = new HashMap<>();
        for (Endpoint e : endpoints) {
            if (e.remote() != null) {
                byLocal.put(key(e.fabric(), e.local(), e.remote()), e);
            }
        }
        List<Channel> out = new ArrayList<>();
        Map<String, String> ids = new HashMap<>();
        int n = 0;
        for (Endpoint e : endpoints) {
            Endpoint peer = e.remote() == null ? null : byLocal.get(key(e.fabric(), e.remote(), e.local()));
            if (peer == e) {
                peer = null; // a socket connected to itself is not a channel between two ends
            }
            String connection = peer == null ? null : canonical(e);
            String id = connection != null && ids.containsKey(connection) ? ids.get(connection) : prefix + ":" + e.fabric() + ":" + (++n);
            if (connection != null) {
                ids.put(connection, id);
            }
            out.add(new Channel(id, e, peer));
        }
        return out;
    }

    private static String key(String fabric, String local, String remote) {
        return fabric + "|" + local + "|" + remote;
    }

    /** The same text for both ends of one connection. */
    private static String canonical(Endpoint e) {
        return e.local().compareTo(e.remote()) < 0 ? key(e.fabric(), e.local(), e.remote()) : key(e.fabric(), e.remote(), e.local());
    }
}
