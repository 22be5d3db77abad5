package io.quiesce.fabric.tcp;

import com.sun.jna.Memory;
import io.quiesce.api.CheckpointException;
import io.quiesce.fabric.tcp.linux.Net;
import io.quiesce.fabric.tcp.linux.Sock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ends of one host's connections to processes of the job on other hosts, during one checkpoint. Over a real
 * link a frozen sender's queue empties only as the other host acknowledges, and a full receive window stops it: so
 * while every host drains, each reads all its such ends into memory ({@link #start}), and {@link #drain} returns once
 * nothing this host's ends sent is unacknowledged. After every host drained, {@link #settle} stops reading and takes
 * what is left: then no byte of these connections is in flight. What was taken is handed by the coordinator to the
 * host of the sending end, which saves it and sends it again before anything else (DMTCP's drain and refill, with the
 * coordinator carrying the bytes instead of a marker token on the connection).
 */
final class CrossHost {
    private static final Logger LOG = LoggerFactory.getLogger(CrossHost.class);
    private static final int CHUNK = 1 << 20;
    /** a link that acknowledges nothing for this long is broken: the checkpoint fails, naming the end */
    static final long DRAIN_TIMEOUT_MS = 30_000;
    /** what one end may hold: the largest receive queue the kernel allows, with room to spare */
    private static final long MAX_TAKEN = 1L << 30;

    private final List<Found> ends;
    private final Map<Found, ByteArrayOutputStream> taken = new LinkedHashMap<>();
    private volatile boolean stop;
    private volatile String failure;
    private Thread reader;

    CrossHost(List<Found> ends) {
        this.ends = ends;
        ends.forEach(f -> taken.put(f, new ByteArrayOutputStream()));
    }

    boolean isEmpty() {
        return ends.isEmpty();
    }

    /** Starts reading every end in the background. */
    void start() {
        if (ends.isEmpty()) {
            return;
        }
        reader = new Thread(this::readUntilStopped, "quiesce-tcp-cross-host");
        reader.setDaemon(true);
        reader.start();
    }

    private void readUntilStopped() {
        List<Sock> socks = ends.stream().map(f -> f.sock).toList();
        try (Memory m = new Memory(CHUNK)) {
            while (!stop && failure == null) {
                boolean any = false;
                for (Found f : ends) {
                    any |= readSome(f, m);
                }
                if (!any) {
                    Sock.pollAny(socks, Net.POLLIN, 20);
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage();
        }
    }

    /** @return whether bytes were read */
    private synchronized boolean readSome(Found f, Memory m) throws IOException {
        long n = f.sock.recv(m, CHUNK, 0);
        if (n == 0) {
            throw new IOException(f.describe() + " was closed by its peer on another host while the job was frozen");
        }
        if (n < 0) {
            return false;
        }
        ByteArrayOutputStream out = taken.get(f);
        if (out.size() + n > MAX_TAKEN) {
            throw new IOException(f.describe() + " received more than " + MAX_TAKEN + " bytes while the job was frozen");
        }
        out.write(m.getByteArray(0, (int) n), 0, (int) n);
        return true;
    }

    /** Returns once no end's send queue holds a byte the other host has not acknowledged. */
    void drain() throws CheckpointException {
        long deadline = System.currentTimeMillis() + DRAIN_TIMEOUT_MS;
        for (Found f : ends) {
            try {
                while (true) {
                    if (failure != null) {
                        throw new CheckpointException("fabric 'tcp': draining the connections to other hosts failed: " + failure);
                    }
                    int left = f.sock.ioctl(Net.SIOCOUTQ);
                    if (left == 0) {
                        break;
                    }
                    if (System.currentTimeMillis() > deadline) {
                        throw new CheckpointException("fabric 'tcp': " + f.describe() + " still holds " + left + " bytes its peer on another host "
                                + "has not acknowledged after " + DRAIN_TIMEOUT_MS + " ms (is the link down, or that host's platform not draining?)");
                    }
                    sleepBriefly();
                }
            } catch (IOException e) {
                throw new CheckpointException("fabric 'tcp': " + f.describe() + ": " + e.getMessage(), f.pid, null, null, e);
            }
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1); // no event says "acknowledged" (POLLOUT comes while there is room): look again shortly
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops reading and takes what is left in every end's receive queue; @return the bytes taken by end */
    Map<Found, byte[]> settle() throws CheckpointException {
        stop = true;
        if (reader != null) {
            try {
                reader.join(DRAIN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CheckpointException("fabric 'tcp': interrupted while settling the connections to other hosts");
            }
        }
        if (failure != null) {
            throw new CheckpointException("fabric 'tcp': draining the connections to other hosts failed: " + failure);
        }
        Map<Found, byte[]> out = new LinkedHashMap<>();
        try (Memory m = new Memory(CHUNK)) {
            for (Found f : ends) {
                while (f.sock.ioctl(Net.SIOCINQ) > 0 && readSome(f, m)) {
                    // until the queue is empty
                }
                byte[] b = taken.get(f).toByteArray();
                if (b.length > 0) {
                    out.put(f, b);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': settling the connections to other hosts failed: " + e.getMessage(), e);
        }
        LOG.info("tcp: {} connections to other hosts settled, {} bytes taken", ends.size(), out.values().stream().mapToLong(b -> b.length).sum());
        return out;
    }

    /** Stops the reader and waits for it (before the processes run: it must not read what they send later). */
    void stop() {
        stop = true;
        if (reader != null) {
            try {
                reader.join(DRAIN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return bytes read so far, over every end (what an abort before the hand-over loses) */
    synchronized long read() {
        return taken.values().stream().mapToLong(ByteArrayOutputStream::size).sum();
    }

    /** @return the ends, for the checkpoint's resume and close */
    List<Found> ends() {
        return new ArrayList<>(ends);
    }
}
