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
 * to a peer outside the job (or listens). Addresses that mean something on one host only (loopback, link-local,
 * Unix sockets) pair only with endpoints of the same host; others (the addresses of hosts' interfaces) pair across
 * hosts, which is how a connection between two hosts of the job is found.
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
                byLocal.put(key(e, e.local(), e.remote()), e);
            }
        }
        List<Channel> out = new ArrayList<>();
        Map<String, String> ids = new HashMap<>();
        int n = 0;
        for (Endpoint e : endpoints) {
            Endpoint peer = e.remote() == null ? null : byLocal.get(key(e, e.remote(), e.local()));
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

    private static String key(Endpoint e, String local, String remote) {
        return e.fabric() + "|" + (hostScoped(e) ? e.host() : "") + "|" + normal(local) + "|" + normal(remote);
    }

    /** The same text for both ends of one connection. */
    private static String canonical(Endpoint e) {
        return normal(e.local()).compareTo(normal(e.remote())) < 0 ? key(e, e.local(), e.remote()) : key(e, e.remote(), e.local());
    }

    /**
     * An IPv4 address as an IPv6 socket shows it ({@code [::ffff:10.0.0.1]:7000}, or {@code [10.0.0.1]:7000}) is the
     * same end as the IPv4 socket at the other end of the connection sees it ({@code 10.0.0.1:7000}): a dual-stack
     * listener's connections pair with plain IPv4 peers.
     */
    static String normal(String address) {
        if (!address.startsWith("[")) {
            return address;
        }
        int close = address.indexOf(']');
        if (close < 0) {
            return address;
        }
        String a = address.substring(1, close).toLowerCase(java.util.Locale.ROOT);
        if (a.startsWith("::ffff:")) {
            a = a.substring("::ffff:".length());
        }
        return a.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") ? a + address.substring(close + 1) : address;
    }

    /** @return true when the endpoint's addresses name something on its own host only */
    static boolean hostScoped(Endpoint e) {
        if (e.kind() != null && e.kind().startsWith("unix")) {
            return true;
        }
        return local(e.local()) || e.remote() != null && local(e.remote());
    }

    private static boolean local(String address) {
        String a = address.startsWith("[") ? address.substring(1, Math.max(1, address.indexOf(']'))) : address;
        int colon = a.lastIndexOf(':');
        if (!address.startsWith("[") && colon > 0) {
            a = a.substring(0, colon);
        }
        a = a.toLowerCase(java.util.Locale.ROOT);
        return a.startsWith("127.") || a.equals("::1") || a.startsWith("::ffff:127.") || a.startsWith("fe80:") || a.contains("%")
                || a.equals("localhost") || !a.matches("[0-9a-f.:]+");
    }
}
