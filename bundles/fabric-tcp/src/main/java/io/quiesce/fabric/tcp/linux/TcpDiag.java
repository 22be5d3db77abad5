package io.quiesce.fabric.tcp.linux;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TCP sockets on a port, TIME_WAIT connections above all, from NETLINK_SOCK_DIAG ({@code inet_diag}), and their removal with SOCK_DESTROY.
 * A TIME_WAIT left by a connection whose socket had no SO_REUSEADDR (an Open MPI rank's accepted connections, closed
 * when two ranks connected to each other at once) keeps its local port from any new listener for a minute, even one
 * with SO_REUSEADDR; no process holds it any more.
 */
public final class TcpDiag {
    /**
     * One TCP socket.
     *
     * @param family        AF_INET or AF_INET6
     * @param state         its TCP state (TCP_TIME_WAIT for a remnant; others only from {@link #sockets})
     * @param id            its {@code inet_diag_sockid} as the kernel gave it (48 bytes), to name it exactly
     * @param local         its local address (text form)
     * @param remote        its peer's address (text form)
     * @param expiresMillis how long it stays
     */
    public record TcpSocket(int family, int state, byte[] id, String local, String remote, long expiresMillis) {
        /** @return whether it is a TIME_WAIT remnant */
        public boolean timeWait() {
            return state == TCP_TIME_WAIT;
        }

        /** @return its state's name as ss(8) prints it */
        public String stateName() {
            String[] names = { "?", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE", "CLOSE-WAIT",
                "LAST-ACK", "LISTEN", "CLOSING" };
            return state < names.length ? names[state] : Integer.toString(state);
        }

        /** @return its local port */
        public int port() {
            return ((id[0] & 0xff) << 8) | (id[1] & 0xff);
        }
    }

    private static final int TCP_TIME_WAIT = 6, IPPROTO_TCP = 6, ID = 48, MSG = 72;

    private TcpDiag() {
    }

    /** @return the TIME_WAIT connections of this network namespace with local port {@code port} */
    public static List<TcpSocket> timeWaits(int family, int port) throws IOException {
        return sockets(family, port, 1 << TCP_TIME_WAIT);
    }

    /** @return the TCP sockets of this network namespace in the states of {@code states} (a mask) with local port {@code port} */
    public static List<TcpSocket> sockets(int family, int port, int states) throws IOException {
        List<TcpSocket> out = new ArrayList<>();
        SockDiag.exchange("inet_diag", request(SockDiag.SOCK_DIAG_BY_FAMILY, SockDiag.NLM_F_REQUEST | SockDiag.NLM_F_DUMP, family,
                states, new byte[ID]), (buf, len) -> parse(buf, len, out));
        out.removeIf(t -> t.port() != port);
        return out;
    }

    /**
     * Removes one TIME_WAIT connection (SOCK_DESTROY, which needs CAP_NET_ADMIN in the network namespace's owner).
     *
     * @return 0, or the errno the kernel answered (EPERM without the capability, ENOENT when it expired meanwhile)
     */
    public static int destroy(TcpSocket t) throws IOException {
        int[] errno = { 0 };
        SockDiag.exchange("sock_destroy", request(SockDiag.SOCK_DESTROY, SockDiag.NLM_F_REQUEST | SockDiag.NLM_F_ACK, t.family(), 1 << t.state(), t.id()),
                (buf, len) -> {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, len).order(ByteOrder.nativeOrder());
                    if (len >= 20 && (b.getShort(4) & 0xffff) == SockDiag.NLMSG_ERROR) {
                        errno[0] = -b.getInt(16);
                        return true;
                    }
                    return len < 16 || (b.getShort(4) & 0xffff) == SockDiag.NLMSG_DONE;
                });
        return errno[0];
    }

    /** @return nlmsghdr + inet_diag_req_v2 for TCP sockets in the states of {@code states} */
    static byte[] request(int type, int flags, int family, int states, byte[] id) {
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + ID).order(ByteOrder.nativeOrder());
        b.putInt(16 + 8 + ID).putShort((short) type).putShort((short) flags).putInt(1).putInt(0);
        b.put((byte) family).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0);
        b.putInt(states);
        b.put(id);
        return b.array();
    }

    /** Parses one reply datagram into {@code out} (the kernel filtered the states); @return true when the dump is complete */
    static boolean parse(byte[] buf, int len, List<TcpSocket> out) throws IOException {
        return SockDiag.walk("inet_diag", buf, len, MSG, (b, p, end) -> {
            int family = b.get(p) & 0xff;
            int state = b.get(p + 1) & 0xff;
            byte[] id = Arrays.copyOfRange(buf, p + 4, p + 4 + ID);
            long expires = b.getInt(p + 4 + ID) & 0xffffffffL;
            out.add(new TcpSocket(family, state, id, text(family, id, 4, 0), text(family, id, 20, 2), expires));
        });
    }

    private static String text(int family, byte[] id, int at, int portAt) throws IOException {
        int port = ((id[portAt] & 0xff) << 8) | (id[portAt + 1] & 0xff);
        try {
            InetAddress a = InetAddress.getByAddress(Arrays.copyOfRange(id, at, at + (family == Net.AF_INET6 ? 16 : 4)));
            return (family == Net.AF_INET6 ? "[" + a.getHostAddress() + "]" : a.getHostAddress()) + ":" + port;
        } catch (UnknownHostException e) {
            throw new IOException("malformed inet_diag address", e);
        }
    }
}
