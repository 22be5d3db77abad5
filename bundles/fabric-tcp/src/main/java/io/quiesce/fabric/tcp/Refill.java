package io.quiesce.fabric.tcp;

import com.sun.jna.Memory;
import io.quiesce.api.CheckpointException;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends captured bytes again from the sending end of a connection, before any process runs. */
final class Refill {
    private static final Logger LOG = LoggerFactory.getLogger(Refill.class);
    private static final long TIMEOUT_MS = 5000;

    private Refill() {
    }

    /**
     * Sends every byte. The receiver is stopped, so what its window does not take waits in the sender's send queue;
     * when that is full too (a refill larger than the new SO_SNDBUF plus the peer's window, facts pitfall 8), the
     * sender's buffer is grown, which ends its send-buffer autotuning (logged).
     *
     * @param sender the sending socket (a duplicate in this JVM)
     * @param bytes  the bytes
     * @param who    names the sender in errors
     */
    static void send(Sock sender, byte[] bytes, String who) throws CheckpointException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        try (Memory m = new Memory(bytes.length)) {
            m.write(0, bytes, 0, bytes.length);
            long off = 0;
            while (off < bytes.length) {
                long n = sender.send(m, off, bytes.length - off);
                off += n;
                if (n > 0 || off == bytes.length) {
                    continue;
                }
                if (sender.poll(Net.POLLOUT, 20) != 0) {
                    continue;
                }
                int buf = sender.getInt(Net.SOL_SOCKET, Net.SO_SNDBUF);
                long want = Math.min(Integer.MAX_VALUE / 2, Math.max((long) buf, bytes.length - off + (long) buf));
                LOG.warn("tcp: refill of {} bytes from {} stalled at {}; growing its SO_SNDBUF from {} (this ends send-buffer autotuning)",
                        bytes.length, who, off, buf);
                sender.setInt(Net.SOL_SOCKET, Net.SO_SNDBUF, (int) want);
                if (System.currentTimeMillis() > deadline) {
                    throw new CheckpointException("fabric 'tcp': cannot send the " + bytes.length + " captured bytes again from " + who
                            + ": only " + off + " were accepted");
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': cannot send the " + bytes.length + " captured bytes again from " + who + ": "
                    + e.getMessage(), e);
        }
    }
}
