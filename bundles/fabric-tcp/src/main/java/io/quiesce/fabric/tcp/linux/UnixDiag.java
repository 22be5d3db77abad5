package io.quiesce.fabric.tcp.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The peers of Unix sockets, from NETLINK_SOCK_DIAG ({@code unix_diag}, UDIAG_SHOW_PEER | UDIAG_SHOW_SHUTDOWN): a
 * connected Unix socket's peer is known to the kernel only by inode, so this is how two ends of a socketpair are
 * matched. One dump of every Unix socket of the caller's network namespace (the job's: jobs share the host's).
 */
public final class UnixDiag {
    /**
     * What the kernel says of one Unix socket.
     *
     * @param inode    its inode
     * @param type     SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
     * @param state    TCP_ESTABLISHED, TCP_LISTEN, TCP_CLOSE...
     * @param peer     the peer's inode, 0 when none
     * @param shutdown sk_shutdown (1 receive, 2 send)
     * @param waiting  for a listener: the inodes of the clients whose connections wait in its accept queue
     * @param backlog  for a listener: its backlog (max_ack_backlog)
     */
    public record Info(long inode, int type, int state, long peer, int shutdown, java.util.List<Long> waiting, int backlog) {
        /** Without listener details. */
        public Info(long inode, int type, int state, long peer, int shutdown) {
            this(inode, type, state, peer, shutdown, java.util.List.of(), 0);
        }
    }

    private static final int SOCK_DIAG_BY_FAMILY = SockDiag.SOCK_DIAG_BY_FAMILY;
    private static final int NLM_F_REQUEST = SockDiag.NLM_F_REQUEST, NLM_F_DUMP = SockDiag.NLM_F_DUMP;
    private static final int UDIAG_SHOW_PEER = 4, UDIAG_SHOW_ICONS = 8, UDIAG_SHOW_RQLEN = 0x10, UDIAG_SHOW_SHUTDOWN = 0x40, UNIX_DIAG_PEER = 2,
            UNIX_DIAG_ICONS = 3, UNIX_DIAG_RQLEN = 4, UNIX_DIAG_SHUTDOWN = 6;

    private UnixDiag() {
    }

    /**
     * @return every Unix socket of this network namespace by inode
     * @throws IOException when the kernel refuses the query
     */
    public static Map<Long, Info> dump() throws IOException {
        Map<Long, Info> out = new HashMap<>();
        SockDiag.exchange("unix_diag", request(), (buf, len) -> parse(buf, len, out));
        return out;
    }

    /** @return the dump request: nlmsghdr + unix_diag_req (all states) */
    static byte[] request() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
        b.putInt(40).putShort((short) SOCK_DIAG_BY_FAMILY).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP)).putInt(1).putInt(0);
        b.put((byte) Net.AF_UNIX).put((byte) 0).putShort((short) 0); // family, protocol, pad
        b.putInt(-1); // every state
        b.putInt(0); // inode: any
        b.putInt(UDIAG_SHOW_PEER | UDIAG_SHOW_SHUTDOWN | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN);
        b.putInt(-1).putInt(-1); // no cookie
        return b.array();
    }

    /**
     * Parses one datagram of the reply into {@code out}.
     *
     * @return true when the dump is complete
     * @throws IOException on an error message
     */
    static boolean parse(byte[] buf, int len, Map<Long, Info> out) throws IOException {
        return SockDiag.walk("unix_diag", buf, len, 16, (b, p, end) -> {
            int sockType = b.get(p + 1) & 0xff;
            int state = b.get(p + 2) & 0xff;
            long inode = b.getInt(p + 4) & 0xffffffffL;
            long peer = 0;
            int shutdown = 0;
            int backlog = 0;
            java.util.List<Long> waiting = new java.util.ArrayList<>();
            int a = p + 16;
            while (a + 4 <= end) {
                int alen = b.getShort(a) & 0xffff;
                int atype = b.getShort(a + 2) & 0xffff;
                if (alen < 4) {
                    break;
                }
                if (atype == UNIX_DIAG_PEER && alen >= 8) {
                    peer = b.getInt(a + 4) & 0xffffffffL;
                } else if (atype == UNIX_DIAG_SHUTDOWN && alen >= 5) {
                    shutdown = b.get(a + 4) & 0xff;
                } else if (atype == UNIX_DIAG_ICONS) {
                    for (int i = a + 4; i + 4 <= a + alen; i += 4) {
                        waiting.add(b.getInt(i) & 0xffffffffL); // a client's inode (0: already gone)
                    }
                } else if (atype == UNIX_DIAG_RQLEN && alen >= 12) {
                    backlog = b.getInt(a + 8); // {rqueue, wqueue}: for a listener {queue length, max_ack_backlog}
                }
                a += (alen + 3) & ~3;
            }
            out.put(inode, new Info(inode, sockType, state, peer, shutdown, waiting, backlog));
        });
    }
}
