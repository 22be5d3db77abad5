package io.quiesce.fabric.tcp;

import java.util.List;

/**
 * What the fabric saves of one host's sockets ({@code tcp.json}, 0600), plus one data file per captured receive
 * queue. Schema changes are additive; unknown fields are ignored when reading.
 *
 * @param magic         {@link #MAGIC}
 * @param formatVersion {@link #VERSION}
 * @param sockets       every socket the fabric claimed, in discovery order
 */
record TcpImage(String magic, int formatVersion, List<SocketImage> sockets) {
    static final String MAGIC = "quiesce-fabric-tcp";
    static final int VERSION = 1;
    static final String FILE = "tcp.json";

    /** Roles of a saved socket. */
    static final String CONNECTED = "connected", LISTEN = "listen", EXTERNAL = "external", UNCONNECTED = "unconnected",
            PENDING = "pending", DATAGRAM = "datagram", REMOTE = "remote";

    /**
     * One socket.
     *
     * @param id       its number in this image
     * @param pid      the PID of the process that holds it (at checkpoint); for {@link #PENDING} the listener's
     * @param fd       the descriptor it is rebuilt at (any one of a shared socket's descriptors; the backend gives it
     *                 to the others); -1 for {@link #PENDING}
     * @param cloexec  whether that descriptor was close-on-exec
     * @param kind     {@code tcp}, {@code udp} or {@code unix}
     * @param family   AF_INET, AF_INET6 or AF_UNIX
     * @param role     {@link #CONNECTED} (peer in the job), {@link #LISTEN}, {@link #EXTERNAL} (peer outside the job),
     *                 {@link #UNCONNECTED}, or {@link #PENDING} (the not yet accepted server end of a connection in
     *                 a listener's queue whose client is in the job), or {@link #DATAGRAM} (a UDP or Unix datagram
     *                 socket: rebuilt on its own, bound and connected as it was), or {@link #REMOTE} (a TCP connection to a
     *                 process of the job on another host: rebuilt with that host, the side whose local address sorts
     *                 first listening, the other connecting to where it published through the rendezvous)
     * @param state    the TCP state number (tcp_states.h; for Unix sockets the unix_diag state)
     * @param local    local address ({@code ip:port}, {@code [ip6]:port}; for Unix the name, maybe empty)
     * @param remote   peer address, or null
     * @param channel  the coordinator's channel ID, or null
     * @param peer     for {@link #CONNECTED} and {@link #PENDING}: the other end's id; else -1
     * @param listener for {@link #PENDING}: the listener's id; else -1
     * @param flags    file status flags (F_GETFL: O_NONBLOCK...)
     * @param backlog  for a listener, its backlog (tcp_info sacked)
     * @param finSent  this end had shut its sending side (FIN sent: re-created by shutdown(SHUT_WR) after refill)
     * @param options  socket options to put back, in order
     * @param incoming the bytes that were in this end's receive queue, to be sent again by its peer; null if none
     * @param type     SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET (0 in older images: SOCK_STREAM)
     * @param name     for Unix sockets: the bound name (a path, {@code @abstract}, or empty)
     * @param peerName for connected Unix sockets: the peer's bound name (empty when it has none)
     * @param records  for SOCK_DGRAM/SOCK_SEQPACKET: the queued messages, in order ({@code incoming} holds their bytes
     *                 one after the other); null otherwise
     * @param resend   for {@link #REMOTE}: the bytes this end had sent that the other host's drain took from its
     *                 receive queue, sent again from this end before anything else (strategy {@code resend}); null if
     *                 none
     */
    record SocketImage(int id, long pid, int fd, boolean cloexec, String kind, int family, String role, int state, String local,
            String remote, String channel, int peer, int listener, int flags, int backlog, boolean finSent, List<Option> options,
            Queue incoming, int type, String name, String peerName, List<Message> records, Queue resend) {
        /** @return the socket type (SOCK_STREAM for images without one) */
        int sockType() {
            return type == 0 ? 1 : type;
        }

        /** @return this socket bound to another local address (a part restored on another host) */
        SocketImage withLocal(String at) {
            return new SocketImage(id, pid, fd, cloexec, kind, family, role, state, at, remote, channel, peer, listener, flags, backlog,
                    finSent, options, incoming, type, name, peerName, records, resend);
        }
    }

    /**
     * One queued datagram or record.
     *
     * @param length its bytes in the queue file
     * @param from   the sender's address as the receiver saw it (null or empty: none)
     * @param sender the id of the job socket that sends it again at restart; {@link #PLATFORM} (an unnamed Unix
     *               sender: sent from an unnamed socket of the platform, which the receiver sees the same), or
     *               {@link #DROPPED} (a UDP datagram from outside the job: kept on continue, not at restart)
     * @param uid    the sender's uid in SCM_CREDENTIALS when the receiver asked for credentials (SO_PASSCRED), else null
     * @param gid    likewise its gid
     */
    record Message(int length, String from, int sender, Integer uid, Integer gid) {
        static final int PLATFORM = -1, DROPPED = -2;
    }

    /**
     * A socket option with an int value (SO_LINGER is saved as two: onoff under name 13, seconds under name -13).
     *
     * @param level SOL_SOCKET or SOL_TCP
     * @param name  the option
     * @param value its value as getsockopt read it
     */
    record Option(int level, int name, int value) {
    }

    /**
     * A captured receive queue.
     *
     * @param file     its data file, relative to the checkpoint folder
     * @param length   bytes
     * @param crc32c   CRC32C of the bytes
     * @param strategy how it was captured: {@code peek} (nothing consumed) or {@code drain} (consumed by a receive in the
     *                 receiver until the sender's queue was empty; sent again by the sender on resume), or {@code resend}
     *                 (taken on the other host of a {@link #REMOTE} connection; sent again by this end)
     */
    record Queue(String file, long length, long crc32c, String strategy) {
    }
}
