package io.quiesce.fabric.tcp;

import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import io.quiesce.fabric.tcp.linux.SockAddr;
import io.quiesce.fabric.tcp.linux.TcpDiag;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's listening port held only by TIME_WAIT remnants of its own old connections: connections accepted by a
 * listener without SO_REUSEADDR (mpirun's and Open MPI ranks' listeners) leave TIME_WAITs that refuse the port to a
 * new listener for a minute, SO_REUSEADDR or not; Open MPI ranks make them while they run (two ranks connecting to
 * each other at once keep one connection), so a restart within a minute of such a close cannot listen again. No
 * process holds them: with CAP_NET_ADMIN (root) they are removed (SOCK_DESTROY, as {@code ss -K}); without it the
 * restart waits, logging it, until the kernel lets them go (it says when), at most {@link #MAX_WAIT_MS}. A port
 * held by a live socket is never touched: that stays an error.
 */
final class TimeWaitRemnants {
    private static final Logger LOG = LoggerFactory.getLogger(TimeWaitRemnants.class);
    /** TIME_WAIT lasts 60 s on Linux (TCP_TIMEWAIT_LEN); a little more for the timer wheel. */
    static final long MAX_WAIT_MS = 62_000;
    private static final int TCP_TIME_WAIT = 6;

    private TimeWaitRemnants() {
    }

    /**
     * Binds {@code l} to its saved address past TIME_WAIT remnants, after a bind that failed with EADDRINUSE.
     *
     * @return 0 once bound, or the errno of the last bind (EADDRINUSE: a live socket holds the address)
     */
    static int bind(Sock l, SocketImage s) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + MAX_WAIT_MS * 1_000_000;
        boolean told = false;
        while (true) {
            List<TcpDiag.TcpSocket> remnants = blocking(s);
            if (remnants.isEmpty()) {
                return l.bind(s.family(), s.local()); // gone meanwhile, or held by a live socket: the caller's error names it
            }
            long wait = -1; // -1: every remnant removed; else the longest time one still has (0: it is being reaped now)
            int removed = 0;
            for (TcpDiag.TcpSocket t : remnants) {
                int e = TcpDiag.destroy(t);
                if (e == 0 || e == Net.ENOENT) {
                    removed++;
                } else {
                    wait = Math.max(wait, t.expiresMillis());
                }
            }
            if (removed > 0) {
                LOG.info("tcp: {}: removed {} TIME_WAIT remnant(s) of old connections holding its port", Rebuild.what(s), removed);
            }
            int e = l.bind(s.family(), s.local());
            if (e != Net.EADDRINUSE || wait < 0) {
                return e;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return e;
            }
            if (!told) {
                LOG.warn("tcp: {}: its port is held by {} TIME_WAIT remnant(s) of old connections for up to {} ms more (removing them needs "
                        + "CAP_NET_ADMIN); waiting for them", Rebuild.what(s), remnants.size() - removed, wait);
                told = true;
            }
            Thread.sleep(Math.min(left, wait + 50)); // the kernel said when they go (an expired one is reaped within moments); then look again
        }
    }

    /** @return the TIME_WAITs that conflict with binding {@code s}'s address: same port, same or any local address */
    private static List<TcpDiag.TcpSocket> blocking(SocketImage s) throws IOException {
        return on(s, 1 << TCP_TIME_WAIT);
    }

    /**
     * @return the sockets in the states of {@code states} whose local address overlaps {@code s}'s: same port, and the
     *         same address or either a wildcard (of both families: an IPv4 address also appears v4-mapped in IPv6)
     */
    static List<TcpDiag.TcpSocket> on(SocketImage s, int states) throws IOException {
        int port = SockAddr.port(s.local());
        String host = bare(s.local());
        boolean any = wildcard(host);
        List<TcpDiag.TcpSocket> out = new ArrayList<>();
        for (int family : List.of(Net.AF_INET, Net.AF_INET6)) {
            for (TcpDiag.TcpSocket t : TcpDiag.sockets(family, port, states)) {
                String theirs = bare(t.local());
                if (any || wildcard(theirs) || theirs.equals(host)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** @return an address's host part without port and brackets */
    private static String bare(String address) {
        String h = address.substring(0, address.lastIndexOf(':'));
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    private static boolean wildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }

    /** @return the sockets that hold {@code s}'s address now, for the error that names them ("" when none is seen) */
    static String holders(SocketImage s) {
        try {
            List<TcpDiag.TcpSocket> held = on(s, -1);
            return held.isEmpty() ? "" : "; held by " + String.join(", ", held.stream().limit(4)
                    .map(t -> t.stateName() + " " + t.local() + (t.stateName().equals("LISTEN") ? "" : " <-> " + t.remote())).toList());
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

}
