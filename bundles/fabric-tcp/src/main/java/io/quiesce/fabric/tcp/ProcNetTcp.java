package io.quiesce.fabric.tcp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code /proc/PID/net/tcp} and {@code tcp6}: one socket per line, addresses as hex of the network-order
 * address read on a little-endian CPU, ports as host-order hex.
 */
final class ProcNetTcp {
    /**
     * A socket line.
     *
     * @param inode  its inode, as in {@code socket:[N]} links
     * @param local  local address {@code ip:port} ({@code [ip6]:port} for IPv6)
     * @param remote remote address
     * @param state  TCP state name ({@code established}, {@code listen}, ...)
     */
    record Socket(long inode, String local, String remote, String state) {
    }

    private static final String[] STATES = { "?", "established", "syn-sent", "syn-recv", "fin-wait1", "fin-wait2",
            "time-wait", "close", "close-wait", "last-ack", "listen", "closing", "new-syn-recv" };

    private ProcNetTcp() {
    }

    /**
     * @param content the file's text (header line included)
     * @return sockets by inode
     */
    static Map<Long, Socket> parse(String content) {
        Map<Long, Socket> out = new HashMap<>();
        List<String> lines = content.lines().toList();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            long inode = Long.parseLong(f[9]);
            int st = Integer.parseInt(f[3], 16);
            out.put(inode, new Socket(inode, address(f[1]), address(f[2]), st < STATES.length ? STATES[st] : "state-" + st));
        }
        return out;
    }

    /** {@code 0100007F:B3A0} → {@code 127.0.0.1:45984}; 32 hex digits → {@code [v6]:port}. */
    static String address(String hex) {
        String[] p = hex.split(":");
        int port = Integer.parseInt(p[1], 16);
        String a = p[0];
        if (a.length() == 8) {
            long v = Long.parseLong(a, 16);
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff) + ":" + port;
        }
        StringBuilder sb = new StringBuilder("[");
        for (int w = 0; w < 4; w++) { // four little-endian 32-bit words
            String word = a.substring(w * 8, w * 8 + 8);
            for (int b = 3; b >= 0; b -= 2) {
                sb.append(word, b * 2, b * 2 + 2).append(word, b * 2 - 2, b * 2);
                sb.append(w == 3 && b == 1 ? "" : ":");
            }
        }
        return sb.append("]:").append(port).toString().toLowerCase();
    }
}
