package io.quiesce.fabric.tcp.linux;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** One NETLINK_SOCK_DIAG exchange: a request, then reply datagrams until the parser has seen the end. */
final class SockDiag {
    static final int NETLINK_SOCK_DIAG = 4, SOCK_DIAG_BY_FAMILY = 20, SOCK_DESTROY = 21, NLMSG_ERROR = 2, NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;

    /** Parses one reply datagram; @return true when the reply is complete */
    interface Replies {
        boolean parse(byte[] buf, int len) throws IOException;
    }

    /** One SOCK_DIAG_BY_FAMILY message of a dump: its payload is {@code b[at, end)}. */
    interface Message {
        void accept(ByteBuffer b, int at, int end) throws IOException;
    }

    /**
     * Walks the netlink messages of one reply datagram, handing each SOCK_DIAG_BY_FAMILY payload of at least
     * {@code minPayload} bytes to {@code each}.
     *
     * @return true when the dump is complete (NLMSG_DONE)
     * @throws IOException on a malformed datagram or an error message
     */
    static boolean walk(String what, byte[] buf, int len, int minPayload, Message each) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len).order(ByteOrder.nativeOrder());
        int off = 0;
        while (off + 16 <= len) {
            int mlen = b.getInt(off);
            int type = b.getShort(off + 4) & 0xffff;
            if (mlen < 16 || off + mlen > len) {
                throw new IOException("malformed " + what + " reply at offset " + off);
            }
            if (type == NLMSG_DONE) {
                return true;
            }
            if (type == NLMSG_ERROR) {
                throw new IOException(what + " failed: errno " + -b.getInt(off + 16));
            }
            if (type == SOCK_DIAG_BY_FAMILY && mlen >= 16 + minPayload) {
                each.accept(b, off + 16, off + mlen);
            }
            off += (mlen + 3) & ~3;
        }
        return false;
    }

    private SockDiag() {
    }

    /**
     * Sends {@code request} and hands every reply datagram to {@code replies} until it says the reply is complete.
     * The kernel answers at once (a dump of this network namespace's sockets), so no receive waits on a peer.
     */
    static void exchange(String what, byte[] request, Replies replies) throws IOException {
        Net net = Net.INSTANCE;
        int fd = net.socket(Net.AF_NETLINK, Net.SOCK_DGRAM | Net.SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) {
            throw new IOException("socket(NETLINK_SOCK_DIAG) failed: errno " + Native.getLastError());
        }
        try {
            if (net.send(fd, request, request.length, 0) != request.length) {
                throw new IOException(what + " request failed: errno " + Native.getLastError());
            }
            byte[] buf = new byte[64 * 1024];
            while (true) {
                long n = net.recv(fd, buf, buf.length, 0);
                if (n < 0) {
                    throw new IOException(what + " reply failed: errno " + Native.getLastError());
                }
                if (replies.parse(buf, (int) n)) {
                    return;
                }
            }
        } finally {
            net.close(fd);
        }
    }
}
