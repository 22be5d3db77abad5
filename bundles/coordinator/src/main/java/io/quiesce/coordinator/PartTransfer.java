package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.PartCopy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies one host part of a committed checkpoint from the host that holds it to the host that restores it instead
 * ({@code restart --host-map}), through the coordinator, chunk by chunk over the agents' authenticated links. The
 * receiving host checks every file's size and SHA-256 against the manifest before the part is in place; a copy that
 * fails leaves nothing in place there and the original untouched.
 */
final class PartTransfer {
    private PartTransfer() {
    }

    /** The end that holds the part. */
    interface Source extends AutoCloseable {
        /**
         * @return {@link PartCopy#CHUNK} bytes of a listed file from {@code offset}, or what is left of it when less;
         *         called from several threads at once
         */
        byte[] read(String name, long offset) throws CheckpointException;

        /** Never throws. */
        @Override
        void close();
    }

    /** The end that receives the part. */
    interface Sink extends AutoCloseable {
        /** @return true when the host holds the part already, as listed: nothing needs to be sent */
        boolean present();

        /** Appends a chunk to a listed file. */
        void write(String name, long offset, byte[] data) throws CheckpointException;

        /** Checks every file and moves the part into place. */
        void commit() throws CheckpointException;

        /** Deletes what was received unless committed. Never throws. */
        @Override
        void close();
    }

    /** The host that holds the part, asked for only when the receiving host lacks it. */
    interface Holder {
        HostAgent get() throws CheckpointException;
    }

    /** What one copy moved. */
    record Copied(long bytes, long millis, boolean wasPresent) {
    }

    /**
     * @param manifest the checkpoint's manifest
     * @param part     the part folder
     * @param holder   the host that holds the part
     * @param to       the host that receives it
     * @return the bytes copied and how long it took
     * @throws CheckpointException naming the host and the file that could not be copied
     */
    static Copied copy(Manifest manifest, String part, Holder holder, HostAgent to, java.nio.file.Path checkpoint) throws CheckpointException {
        long t0 = System.nanoTime();
        try (Sink sink = to.receivePart(checkpoint, manifest, part)) {
            if (sink.present()) {
                return new Copied(0, 0, true);
            }
            HostAgent from = holder.get();
            List<Chunk> chunks = chunks(manifest, part);
            // reads run ahead of the writes (each read is a round trip over a link): the source encodes the next
            // chunks while the sink takes this one; the writes stay in order
            ExecutorService readers = Executors.newFixedThreadPool(AHEAD, r -> {
                Thread t = new Thread(r, "quiesce-part-copy");
                t.setDaemon(true);
                return t;
            });
            try (Source source = from.sendPart(checkpoint, manifest, part)) {
                try {
                    Deque<Future<byte[]>> reading = new ArrayDeque<>();
                    int next = 0;
                    for (Chunk c : chunks) {
                        while (next < chunks.size() && reading.size() < AHEAD) {
                            Chunk ahead = chunks.get(next++);
                            reading.add(readers.submit(() -> source.read(ahead.name(), ahead.offset())));
                        }
                        byte[] data = take(reading.poll(), from);
                        if (data.length != c.length()) {
                            throw new CheckpointException("host " + from.host() + " sent " + data.length + " bytes of " + c.name() + " at offset "
                                    + c.offset() + " where " + c.length() + " were due");
                        }
                        sink.write(c.name(), c.offset(), data);
                    }
                } finally {
                    readers.shutdownNow(); // before the source closes: no read outlives it
                    try {
                        readers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            sink.commit();
            long bytes = chunks.stream().mapToLong(Chunk::length).sum();
            return new Copied(bytes, (System.nanoTime() - t0) / 1_000_000, false);
        }
    }

    /** chunks read ahead of the one being written */
    private static final int AHEAD = 3;

    /** One chunk of a listed file: every chunk but a file's last is {@link PartCopy#CHUNK} long; an empty file has one of 0. */
    private record Chunk(String name, long offset, int length) {
    }

    private static List<Chunk> chunks(Manifest manifest, String part) {
        List<Chunk> out = new ArrayList<>();
        for (FileDigest d : PartCopy.files(manifest, part)) {
            long offset = 0;
            do {
                int n = (int) Math.min(PartCopy.CHUNK, d.size() - offset);
                out.add(new Chunk(d.name(), offset, n));
                offset += n;
            } while (offset < d.size());
        }
        return out;
    }

    private static byte[] take(Future<byte[]> read, HostAgent from) throws CheckpointException {
        try {
            return read.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CheckpointException c) {
                throw c;
            }
            throw new CheckpointException("host " + from.host() + ": reading its part failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while copying a part from host " + from.host());
        }
    }
}
