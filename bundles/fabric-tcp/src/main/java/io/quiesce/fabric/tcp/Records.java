package io.quiesce.fabric.tcp;

import com.sun.jna.Memory;
import io.quiesce.api.NotSupportedException;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a socket's receive queue message by message, with each sender's address and ancillary data.
 *
 * <p>{@link #peek}: nothing consumed: SO_PEEK_OFF is set to 0 and each MSG_PEEK returns the next datagram or record
 * whole (the kernel moves the offset past what it returned) until the queue is exhausted; the application's offset
 * is put back. Used for Unix stream queues (where one peek stops at a change of writer or at passed descriptors),
 * and to check a queue before consuming it. {@link #take}: consumed, for message queues (see there why).
 *
 * <p>Descriptors in flight (SCM_RIGHTS) cannot be saved: the fabric saves no files, and the backend would have to
 * restore files no process holds. A peek installs clones of them in this JVM; they are closed at once and the
 * checkpoint is refused, naming the socket and the message. A consuming read keeps them, so that the message is
 * sent again with the same descriptors when the refused checkpoint puts the queue back.
 */
final class Records {
    /** largest message taken (a bigger one is refused): Unix datagrams are bounded by 2 x wmem_max */
    private static final int MAX_MESSAGE = 16 << 20;
    private static final int MAX_MESSAGES = 1 << 20;

    private Records() {
    }

    /**
     * One message.
     *
     * @param data  its bytes
     * @param from  the sender's address (text form), or null when none is given (an unnamed Unix sender)
     * @param creds SCM_CREDENTIALS {pid, uid, gid} when the receiver asked for them (SO_PASSCRED), else null
     * @param fds   descriptors that came with it (SCM_RIGHTS), installed in this JVM by a consuming read; else null
     */
    record Peeked(byte[] data, String from, int[] creds, int[] fds) {
    }

    /** @return every queued message, in order; nothing consumed (descriptors in flight are refused) */
    static List<Peeked> peek(Sock s, String who) throws IOException, NotSupportedException {
        Integer saved = s.getIntOrNull(Net.SOL_SOCKET, Net.SO_PEEK_OFF);
        if (saved == null) {
            throw new IOException("SO_PEEK_OFF is not supported on this socket, so its queue cannot be read without consuming it");
        }
        s.setInt(Net.SOL_SOCKET, Net.SO_PEEK_OFF, 0);
        try {
            return read(s, who, Net.MSG_PEEK, s.getInt(Net.SOL_SOCKET, Net.SO_TYPE) == Net.SOCK_STREAM);
        } finally {
            s.setInt(Net.SOL_SOCKET, Net.SO_PEEK_OFF, saved); // the offset is state the application sees
        }
    }

    /**
     * Consumes every queued message, in order, with its descriptors (the caller sends them again or closes them).
     * Unlike an offset peek this sees every message: the kernel hides a zero-length message from offset peeks once
     * it has been peeked (skb->peeked).
     */
    static List<Peeked> take(Sock s, String who) throws IOException, NotSupportedException {
        return read(s, who, 0, false);
    }

    /** @param stream a stream socket: a read of 0 bytes is the end of the stream, not a message */
    private static List<Peeked> read(Sock s, String who, int flags, boolean stream) throws IOException, NotSupportedException {
        List<Peeked> out = new ArrayList<>();
        try (Memory buf = new Memory(MAX_MESSAGE); Memory ctl = new Memory(4096)) {
            while (true) {
                Sock.Received r = s.recvMsg(buf, MAX_MESSAGE, ctl, flags);
                if (r == null || (stream && r.length() == 0)) {
                    return out;
                }
                int[] fds = rights(r.control());
                if (fds != null && flags == Net.MSG_PEEK) {
                    for (int fd : fds) {
                        Net.INSTANCE.close(fd); // clones made by the peek
                    }
                    throw new NotSupportedException("fabric 'tcp' cannot save " + who + ": its queued message #" + (out.size() + 1) + " carries "
                            + fds.length + " file descriptor(s) passed with SCM_RIGHTS and not yet received, which cannot be kept");
                }
                String problem = (r.flags() & Net.MSG_TRUNC) != 0 ? "is larger than " + MAX_MESSAGE + " bytes"
                        : (r.flags() & Net.MSG_CTRUNC) != 0 ? "has more than " + ctl.size() + " bytes of ancillary data" : null;
                out.add(new Peeked(buf.getByteArray(0, (int) r.length()), r.from(), creds(r.control()), fds));
                if (problem != null) {
                    // a consumed message is kept (and put back) as far as it was read; the checkpoint is refused
                    throw new NotSupportedException("fabric 'tcp' cannot save " + who + ": its queued message #" + out.size() + " " + problem);
                }
                if (out.size() > MAX_MESSAGES) {
                    throw new IOException("more than " + MAX_MESSAGES + " messages queued");
                }
            }
        }
    }

    /** @return a Unix stream socket's queue, nothing consumed; null when empty (refused when descriptors are in it) */
    static byte[] peekStream(Sock s, String who) throws IOException, NotSupportedException {
        List<Peeked> parts = peek(s, who);
        if (parts.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        parts.forEach(p -> b.write(p.data(), 0, p.data().length));
        return b.toByteArray();
    }

    /** @return the descriptors of SCM_RIGHTS messages, or null when none */
    private static int[] rights(byte[] control) {
        List<Integer> fds = new ArrayList<>();
        forEach(control, (type, data) -> {
            if (type == Net.SCM_RIGHTS) {
                for (int i = 0; i + 4 <= data.remaining(); i += 4) {
                    fds.add(data.getInt(data.position() + i));
                }
            }
        });
        return fds.isEmpty() ? null : fds.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return a SCM_RIGHTS control message carrying {@code fds} */
    static byte[] rightsMessage(int[] fds) {
        int len = 16 + 4 * fds.length;
        ByteBuffer b = ByteBuffer.allocate((len + 7) & ~7).order(ByteOrder.nativeOrder()).putLong(len).putInt(Net.SOL_SOCKET).putInt(Net.SCM_RIGHTS);
        for (int fd : fds) {
            b.putInt(fd);
        }
        return b.array();
    }

    private static int[] creds(byte[] control) {
        int[][] c = new int[1][];
        forEach(control, (type, data) -> {
            if (type == Net.SCM_CREDENTIALS && data.remaining() >= 12) {
                c[0] = new int[] { data.getInt(data.position()), data.getInt(data.position() + 4), data.getInt(data.position() + 8) };
            }
        });
        return c[0];
    }

    /** @return a SCM_CREDENTIALS control message (struct ucred: pid, uid, gid) */
    static byte[] credsMessage(int pid, int uid, int gid) {
        return ByteBuffer.allocate(32).order(ByteOrder.nativeOrder()).putLong(28).putInt(Net.SOL_SOCKET).putInt(Net.SCM_CREDENTIALS).putInt(pid)
                .putInt(uid).putInt(gid).putInt(0).array();
    }

    private interface Cmsg {
        void on(int type, ByteBuffer data);
    }

    /** Walks SOL_SOCKET cmsghdrs (x86_64: size_t len, int level, int type, data aligned to 8). */
    private static void forEach(byte[] control, Cmsg c) {
        ByteBuffer b = ByteBuffer.wrap(control).order(ByteOrder.nativeOrder());
        int off = 0;
        while (off + 16 <= control.length) {
            long len = b.getLong(off);
            if (len < 16 || off + len > control.length) {
                return;
            }
            int level = b.getInt(off + 8);
            int type = b.getInt(off + 12);
            if (level == Net.SOL_SOCKET) {
                ByteBuffer d = b.duplicate().order(ByteOrder.nativeOrder());
                d.position(off + 16).limit((int) (off + len));
                c.on(type, d);
            }
            off += (int) ((len + 7) & ~7L);
        }
    }
}
