package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.PartCopy;

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
        /** @return at most {@link PartCopy#CHUNK} bytes of a listed file from {@code offset} */
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
            long bytes = 0;
            HostAgent from = holder.get();
            try (Source source = from.sendPart(checkpoint, manifest, part)) {
                for (FileDigest d : PartCopy.files(manifest, part)) {
                    long offset = 0;
                    do {
                        byte[] chunk = source.read(d.name(), offset);
                        if (chunk.length == 0 && offset < d.size()) {
                            throw new CheckpointException("host " + from.host() + " sent nothing of " + d.name() + " at offset " + offset);
                        }
                        sink.write(d.name(), offset, chunk);
                        offset += chunk.length;
                    } while (offset < d.size());
                    bytes += d.size();
                }
            }
            sink.commit();
            return new Copied(bytes, (System.nanoTime() - t0) / 1_000_000, false);
        }
    }
}
