package io.quiesce.fabric.tcp;

import com.sun.jna.Memory;
import io.quiesce.api.CheckpointException;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends captured bytes again from the sending end of a connection.
 *
 * <p>Restart ({@link Flow}): a connection rebuilt at restart has fresh buffers (receive window from tcp_rmem's
 * default, SO_SNDBUF from tcp_wmem), while the capture may hold what an autotuned receiver had (up to half of
 * tcp_rmem's maximum). Rule: the sender must not run before its refill is fully queued; the receiver may run at any
 * time. So: (1) the receiver's SO_RCVBUF is grown before its connect/listen ({@link #growRcv}: a locked buffer sets the
 * window clamp and scale at the handshake), the sender's SO_SNDBUF after it; both with SO_*BUFFORCE when this JVM
 * has CAP_NET_ADMIN over the socket's netns (then everything fits), else up to 2 x net.core.[rw]mem_max; (2) what
 * the kernel takes while everything is stopped is sent; (3) whatever is left is sent after release by a
 * {@link Pump} while the receiver drains, with the sending process held: SIGSTOP is queued while it is still
 * ptrace-stopped, so it enters group-stop as soon as the backend detaches, and gets SIGCONT once the rest is queued.
 * Autotuning is given back once a direction is fully queued: the receiver's lock is cleared (its grown buffer stays,
 * autotuning only grows), the sender's SO_SNDBUF is set back to its fresh value and unlocked; the application's own
 * sizes are put back afterwards by the options.
 */
final class Refill {
    private static final Logger LOG = LoggerFactory.getLogger(Refill.class);
    /** how long a refill may make no progress while everything is stopped before the rest is left to the pump */
    private static final int STALL_MS = 100;
    /** the pump warns after this long without progress (it never gives up while both ends live) */
    private static final long PUMP_WARN_MS = 10000;

    private Refill() {
    }

    /**
     * Sends every byte while both ends stay stopped (a continue's refill, a rebuilt pending connection): as a
     * restart's {@link Flow#fill}, so the sender's buffer is grown only as far as the bytes need and given back to
     * autotuning once they are queued.
     *
     * @param sender the sending socket (a duplicate in this JVM)
     * @param bytes  the bytes
     * @param who    names the sender in errors
     * @throws CheckpointException when the bytes do not fit in the grown send buffer plus the receiver's window
     */
    static void send(Sock sender, byte[] bytes, String who) throws CheckpointException {
        Flow f = new Flow(sender, null, bytes, who, null, 0, 0, 0);
        f.fill();
        if (!f.done()) {
            throw new CheckpointException("fabric 'tcp': cannot send the " + bytes.length + " captured bytes again from " + who
                    + ": only " + f.off + " were accepted (" + f + ")");
        }
    }

    /**
     * Grows a socket's receive buffer for {@code bytes} incoming bytes, before it listens or connects (its lock then
     * sets the window clamp and scale at the handshake; SO_RCVBUF set later would not open the window past the
     * clamp). Nothing is done when the fresh buffer already holds them.
     *
     * @return how: "forced" (SO_RCVBUFFORCE), "capped" (SO_RCVBUF, at most 2 x net.core.rmem_max), and the fresh size;
     *         null when untouched
     */
    static Growth growRcv(Sock s, long bytes) throws IOException {
        return grow(s, bytes, Net.SO_RCVBUF, Net.SO_RCVBUFFORCE);
    }

    /** As {@link #growRcv} for the send buffer (after connect: SO_SNDBUF has no effect on the handshake). */
    static Growth growSnd(Sock s, long bytes) throws IOException {
        return grow(s, bytes, Net.SO_SNDBUF, Net.SO_SNDBUFFORCE);
    }

    /** How a buffer was grown, and its size before (what the options compare an application's saved size with). */
    record Growth(String mode, int fresh, int now) {
        @Override
        public String toString() {
            return mode + " " + fresh + " -> " + now;
        }
    }

    private static Growth grow(Sock s, long bytes, int opt, int force) throws IOException {
        int now = s.getInt(Net.SOL_SOCKET, opt);
        if (bytes <= now / 2) {
            return null;
        }
        // the kernel doubles the value for its bookkeeping; bytes + 1 MiB, doubled, leaves room for skb overhead
        int want = (int) Math.min(Integer.MAX_VALUE / 2, bytes + (1 << 20));
        Integer r = null;
        try {
            s.setInt(Net.SOL_SOCKET, force, want);
            r = 1;
        } catch (IOException eperm) {
            // no CAP_NET_ADMIN over the socket's netns: capped at 2 x net.core.[rw]mem_max
        }
        if (r == null) {
            s.setInt(Net.SOL_SOCKET, opt, want);
        }
        return new Growth(r != null ? "forced" : "capped", now, s.getInt(Net.SOL_SOCKET, opt));
    }

    /** Clears buffer lock bits (SO_BUF_LOCK): autotuning is back for that buffer. */
    static void unlock(Sock s, int bits) {
        try {
            Integer locks = s.getIntOrNull(Net.SOL_SOCKET, Net.SO_BUF_LOCK);
            if (locks != null && (locks & bits) != 0) {
                s.setInt(Net.SOL_SOCKET, Net.SO_BUF_LOCK, locks & ~bits);
            }
        } catch (IOException e) {
            LOG.debug("tcp: SO_BUF_LOCK: {}", e.getMessage());
        }
    }

    /** One direction of a connection to refill at restart. */
    static final class Flow {
        final Sock sender;
        final Sock receiver;
        final byte[] bytes;
        final String from;
        final String to;
        final long senderPid;
        final long receiverPid;
        final int senderId;
        /** the sender's SO_SNDBUF before it was grown, put back once everything is queued */
        int freshSndbuf;
        /** whether that size was locked (set by the application, on a running job's socket): it then stays locked */
        boolean freshLocked;
        Growth rcvGrowth;
        Growth sndGrowth;
        long off;
        /** bytes queued before release */
        long beforeRelease;
        boolean held;
        boolean failed;
        /** the held process was seen in group-stop ('T' in /proc/PID/stat) while the rest was pumped */
        volatile boolean sawGroupStop;
        volatile long doneNanos;

        Flow(Sock sender, Sock receiver, byte[] bytes, String from, String to, long senderPid, long receiverPid, int senderId) {
            this.sender = sender;
            this.receiver = receiver;
            this.bytes = bytes;
            this.from = from;
            this.to = to;
            this.senderPid = senderPid;
            this.receiverPid = receiverPid;
            this.senderId = senderId;
        }

        boolean done() {
            return off == bytes.length;
        }

        /** @return bytes the kernel accepted now (never waits) */
        long push(Memory m) throws IOException {
            long n = sender.send(m, off, bytes.length - off);
            off += n;
            return n;
        }

        /** Grows the sender's buffer, then sends until everything is queued or nothing moved for {@link #STALL_MS}. */
        void fill() throws CheckpointException {
            try (Memory m = memory()) {
                freshSndbuf = sender.getInt(Net.SOL_SOCKET, Net.SO_SNDBUF);
                Integer locks = sender.getIntOrNull(Net.SOL_SOCKET, Net.SO_BUF_LOCK);
                freshLocked = locks != null && (locks & Net.SOCK_SNDBUF_LOCK) != 0;
                sndGrowth = growSnd(sender, bytes.length);
                long stallSince = System.nanoTime();
                while (!done()) {
                    if (push(m) > 0) {
                        stallSince = System.nanoTime();
                        continue;
                    }
                    if ((System.nanoTime() - stallSince) / 1_000_000 > STALL_MS) {
                        break;
                    }
                    sender.poll(Net.POLLOUT, 10);
                }
                beforeRelease = off;
                if (done()) {
                    giveBack();
                }
            } catch (IOException e) {
                throw new CheckpointException("fabric 'tcp': cannot send the " + bytes.length + " captured bytes again from " + from + ": "
                        + e.getMessage(), e);
            }
        }

        Memory memory() {
            Memory m = new Memory(bytes.length);
            m.write(0, bytes, 0, bytes.length);
            return m;
        }

        /** Everything is queued: the sender's buffer goes back to its size before, and to autotuning unless it was locked. */
        void giveBack() {
            if (sndGrowth != null) {
                try {
                    sender.setInt(Net.SOL_SOCKET, Net.SO_SNDBUF, Math.max(1, freshSndbuf / 2));
                } catch (IOException e) {
                    LOG.debug("tcp: SO_SNDBUF: {}", e.getMessage());
                }
                if (!freshLocked) {
                    unlock(sender, Net.SOCK_SNDBUF_LOCK);
                }
            }
        }

        @Override
        public String toString() {
            return from + " -> " + to + ": " + bytes.length + " bytes, " + beforeRelease + " queued before release (receive buffer "
                    + (rcvGrowth == null ? "fresh" : rcvGrowth) + ", send buffer " + (sndGrowth == null ? "fresh" : sndGrowth) + ")";
        }
    }

    /**
     * Sends what did not fit before release, after it, while the receivers drain; each held process gets SIGCONT
     * once all of its flows are queued and its sockets finished ({@code finish}: half-close, options). It never
     * gives up while both ends live (a held sender must not run before its bytes are queued, or they would be
     * reordered after what it sends next): it warns every {@link #PUMP_WARN_MS}. It owns the duplicates it is
     * given and closes them; {@link TcpRestore#close()} leaves it alone.
     */
    static final class Pump implements Runnable {
        private final List<Flow> flows;
        private final Map<Long, Runnable> finish;
        private final List<Sock> owned;
        private final Map<Long, Boolean> continued = new LinkedHashMap<>();
        private volatile boolean over;

        Pump(List<Flow> flows, Map<Long, Runnable> finish, List<Sock> owned) {
            this.flows = flows;
            this.finish = finish;
            this.owned = owned;
            flows.forEach(f -> continued.put(f.senderPid, false));
        }

        /** Queues SIGSTOP for every held process (still ptrace-stopped: it stops right after the backend detaches). */
        void hold() throws CheckpointException {
            for (long pid : continued.keySet()) {
                if (Net.INSTANCE.kill((int) pid, Net.SIGSTOP) != 0) {
                    throw new CheckpointException("fabric 'tcp': cannot hold process " + pid + " for its refill: kill(SIGSTOP) failed: "
                            + io.quiesce.api.Errno.name(com.sun.jna.Native.getLastError()), pid, null, null, null);
                }
            }
        }

        boolean over() {
            return over;
        }

        void start() {
            Thread t = new Thread(this, "quiesce-tcp-refill");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void run() {
            long t0 = System.nanoTime();
            long lastProgress = System.nanoTime();
            List<Memory> mem = new ArrayList<>();
            flows.forEach(f -> mem.add(f.memory()));
            try {
                while (true) {
                    boolean moved = false;
                    boolean pending = false;
                    for (int i = 0; i < flows.size(); i++) {
                        Flow f = flows.get(i);
                        if (f.done() || f.failed) {
                            continue;
                        }
                        if (!f.sawGroupStop && stopped(f.senderPid)) {
                            f.sawGroupStop = true;
                        }
                        try {
                            if (f.push(mem.get(i)) > 0) {
                                moved = true;
                            }
                        } catch (IOException e) {
                            f.failed = true;
                            LOG.error("tcp: refill from {} failed after release at {} of {} bytes: {}", f.from, f.off, f.bytes.length, e.getMessage());
                            continue;
                        }
                        if (f.done()) {
                            f.doneNanos = System.nanoTime();
                            f.giveBack();
                            LOG.info("tcp: refill from {} finished after release: {} bytes in {} ms", f.from, f.bytes.length - f.beforeRelease,
                                    (System.nanoTime() - t0) / 1_000_000);
                        } else if (!alive(f.senderPid) || !alive(f.receiverPid)) {
                            f.failed = true;
                            LOG.error("tcp: refill from {} abandoned at {} of {} bytes: an end's process is gone", f.from, f.off, f.bytes.length);
                        } else {
                            pending = true;
                        }
                    }
                    release();
                    if (!pending) {
                        return;
                    }
                    if (moved) {
                        lastProgress = System.nanoTime();
                    } else if ((System.nanoTime() - lastProgress) / 1_000_000 > PUMP_WARN_MS) {
                        lastProgress = System.nanoTime();
                        for (Flow f : flows) {
                            if (!f.done() && !f.failed) {
                                LOG.warn("tcp: {} still holds {} bytes of its refill: its receiver {} is not reading; process {} stays stopped until it does",
                                        f.from, f.bytes.length - f.off, f.to, f.senderPid);
                            }
                        }
                    }
                    Flow first = null;
                    for (Flow f : flows) {
                        if (!f.done() && !f.failed) {
                            first = f;
                            break;
                        }
                    }
                    first.sender.poll(Net.POLLOUT, 20);
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("tcp: refill after release failed: {}", e.toString());
                flows.forEach(f -> f.failed |= !f.done());
                release();
            } finally {
                mem.forEach(Memory::close);
                owned.forEach(Sock::close);
                over = true;
            }
        }

        /** SIGCONT for each held process whose flows are all over (a failed flow also ends its hold: nothing better is left). */
        private void release() {
            for (Map.Entry<Long, Boolean> e : continued.entrySet()) {
                if (e.getValue()) {
                    continue;
                }
                long pid = e.getKey();
                boolean all = flows.stream().filter(f -> f.senderPid == pid).allMatch(f -> f.done() || f.failed);
                if (all) {
                    Runnable r = finish.get(pid);
                    try {
                        if (r != null) {
                            r.run();
                        }
                    } catch (RuntimeException x) {
                        LOG.error("tcp: finishing the sockets of process {} failed: {}", pid, x.toString());
                    }
                    // a SIGCONT before the queued SIGSTOP took effect would cancel it unseen (a pump that finished at
                    // once, on a loaded machine): wait briefly for the stop, so that every hold is a stop then a continue
                    if (awaitStop(pid)) {
                        flows.stream().filter(f -> f.senderPid == pid).forEach(f -> f.sawGroupStop = true);
                    }
                    Net.INSTANCE.kill((int) pid, Net.SIGCONT); // always: a held process is never left stopped by the fabric
                    e.setValue(true);
                    LOG.info("tcp: process {} continued (SIGCONT) after its refill", pid);
                }
            }
        }

        private static boolean alive(long pid) {
            if (pid < 0) {
                return true; // a receiver on another host: its own host's platform watches it
            }
            return Net.INSTANCE.kill((int) pid, 0) == 0 || com.sun.jna.Native.getLastError() != Net.ESRCH;
        }

        /** @return whether the process entered group-stop within a second (it may still be leaving its ptrace stop) */
        private static boolean awaitStop(long pid) {
            long end = System.nanoTime() + 1_000_000_000L;
            while (!stopped(pid)) {
                if (System.nanoTime() > end || !alive(pid)) {
                    return false;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            return true;
        }

        /** @return whether the process is in group-stop ('T'; 't' is a ptrace stop) */
        static boolean stopped(long pid) {
            try {
                String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
                int close = st.lastIndexOf(')');
                return close > 0 && st.length() > close + 2 && st.charAt(close + 2) == 'T';
            } catch (IOException e) {
                return false;
            }
        }
    }
}
