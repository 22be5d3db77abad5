package io.quiesce.coordinator;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Parses the cluster settings' addresses: {@code listen} is {@code PORT} or {@code ADDRESS:PORT}, {@code join} is {@code HOST:PORT}. */
final class Endpoints {
    private Endpoints() {
    }

    static InetSocketAddress listenAddress(String text) {
        String t = text.trim();
        if (t.matches("\\d{1,5}")) {
            return new InetSocketAddress(port(t, text));
        }
        return hostPort(t, text, "listen");
    }

    static InetSocketAddress joinAddress(String text) {
        return hostPort(text.trim(), text, "join");
    }

    private static InetSocketAddress hostPort(String t, String text, String what) {
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("bad " + what + " address '" + text + "': expected HOST:PORT" + (what.equals("listen") ? " or PORT" : ""));
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.matches("[A-Za-z0-9.:_-]{1,253}")) {
            throw new IllegalArgumentException("bad " + what + " address '" + text + "': '" + host + "' is not a host name or address");
        }
        int port = port(t.substring(colon + 1), text);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad " + what + " address '" + text + "': unknown host " + host);
        }
    }

    private static int port(String p, String text) {
        if (!p.matches("\\d{1,5}") || Integer.parseInt(p) > 65535) {
            throw new IllegalArgumentException("bad port in '" + text + "': expected 0-65535");
        }
        return Integer.parseInt(p);
    }
}
