package io.quiesce.fabric.tcp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/** Writes and reads {@code tcp.json} and the queue files ({@code tcp-ID-in.img}, {@code tcp-ID-resend.img}), all 0600, with CRC32C. */
final class ImageStore {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ImageStore() {
    }

    static List<String> save(Path folder, List<Found> found) throws CheckpointException {
        List<String> files = new ArrayList<>();
        List<TcpImage.SocketImage> sockets = new ArrayList<>();
        try {
            for (Found f : found) {
                TcpImage.Queue q = null;
                if (f.incoming != null && f.incoming.length > 0) {
                    String name = "tcp-" + f.id + "-in.img";
                    SecureFiles.write(folder.resolve(name), f.incoming);
                    files.add(name);
                    q = new TcpImage.Queue(name, f.incoming.length, crc(f.incoming), f.strategy);
                }
                TcpImage.Queue resend = null;
                if (f.resend != null && f.resend.length > 0) {
                    String name = "tcp-" + f.id + "-resend.img";
                    SecureFiles.write(folder.resolve(name), f.resend);
                    files.add(name);
                    resend = new TcpImage.Queue(name, f.resend.length, crc(f.resend), "resend");
                }
                sockets.add(image(f, q, resend));
            }
            SecureFiles.write(folder.resolve(TcpImage.FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new TcpImage(TcpImage.MAGIC, TcpImage.VERSION, sockets)));
            files.add(TcpImage.FILE);
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp' cannot write into " + folder + ": " + e.getMessage(), -1, null, folder, e);
        }
        return files;
    }

    /** @return what is saved of a socket */
    static TcpImage.SocketImage image(Found f, TcpImage.Queue q, TcpImage.Queue resend) {
        return new TcpImage.SocketImage(f.id, f.pid, f.fd, f.cloexec, f.kind, f.family, f.role, f.state, f.local, f.remote, f.channel,
                f.peer == null ? -1 : f.peer.id, f.listenerOf == null ? -1 : f.listenerOf.id, f.flags, f.backlog, f.finSent, f.options, q, f.type,
                f.name, f.peerName, f.records == null ? null : f.records.stream().map(Found.Msg::image).toList(), resend);
    }

    /** @return the saved image, or null when the checkpoint has none (no socket was claimed) */
    static TcpImage load(Path folder) throws CheckpointException {
        Path file = folder.resolve(TcpImage.FILE);
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        // a regular file of bounded size only: a FIFO or device in its place must not hang or exhaust the restart
        return parse(io.quiesce.api.image.SecureFiles.readBounded(file, 64L << 20), file);
    }

    /** @return a TCP image's bytes parsed and checked for magic and version (the fuzzers' entry point) */
    static TcpImage parse(byte[] bytes, Path file) throws CheckpointException {
        TcpImage image;
        try {
            image = JSON.readValue(bytes, TcpImage.class);
        } catch (IOException | RuntimeException e) {
            throw new ImageException("is not a readable TCP fabric image (" + io.quiesce.api.image.ImageFields.parserFailure(e) + ")", file);
        }
        if (image == null || !TcpImage.MAGIC.equals(image.magic()) || image.formatVersion() != TcpImage.VERSION) {
            throw new ImageException("is not a version " + TcpImage.VERSION + " TCP fabric image"
                    + (image == null ? "" : " (magic " + io.quiesce.api.image.ImageFields.quote(image.magic()) + ", version "
                            + image.formatVersion() + ")"), file);
        }
        return image;
    }

    /** @return a queue's bytes, checked against the recorded length and CRC32C */
    static byte[] read(Path folder, TcpImage.Queue q) throws CheckpointException {
        io.quiesce.api.image.ImageFields.relative(q.file(), "queue.file", folder.resolve(TcpImage.FILE));
        io.quiesce.api.image.ImageFields.range(q.length(), Integer.MAX_VALUE - 16, "queue.length", folder.resolve(TcpImage.FILE));
        Path file = folder.resolve(q.file());
        byte[] b = io.quiesce.api.image.SecureFiles.readBounded(file, q.length());
        if (b.length != q.length()) {
            throw new ImageException("captured queue holds " + b.length + " bytes, " + q.length() + " were saved", file);
        }
        if (crc(b) != q.crc32c()) {
            throw new ImageException("captured queue is damaged (CRC32C mismatch)", file);
        }
        return b;
    }

    static long crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return c.getValue();
    }
}
