package io.quiesce.coordinator.store;

import io.quiesce.api.ImageException;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.Manifest;
import io.quiesce.api.image.SecureFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Both ends of copying one host part of a committed checkpoint to the host that restores it instead
 * ({@code restart --host-map}): the sending store reads the part's files in chunks, the receiving store stages them
 * and moves the part into place only once every file has the size and SHA-256 the manifest lists. Names come from
 * the manifest only, never from the peer: a file not listed under the part is refused before anything is opened.
 */
public final class PartCopy {
    /** The most bytes of one chunk (a cluster frame carries it as base64, well under its limit). */
    public static final int CHUNK = 4 << 20;

    private final CheckpointStore store;

    /** @param store the store of this host */
    public PartCopy(CheckpointStore store) {
        this.store = store;
    }

    /** @return the files of {@code part} that the manifest lists, in its order */
    public static List<FileDigest> files(Manifest m, String part) {
        String prefix = part + "/";
        return m.files().stream().filter(d -> d.name().startsWith(prefix)).toList();
    }

    private static FileDigest listed(Manifest m, String part, String name) throws ImageException {
        return files(m, part).stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new ImageException("is not a file of part " + part + " in the manifest of job " + m.jobId()
                        + " epoch " + m.epoch() + ": refused", Path.of(name)));
    }

    // ---- the sending end

    /**
     * Checks a committed part before it is sent: every file private, regular and of its listed size and digest.
     *
     * @param epochFolder the checkpoint folder holding the part
     * @throws ImageException naming the first file that is not as listed
     */
    public void checkSource(Path epochFolder, String part, Manifest m) throws ImageException {
        store.seal().checkPart(epochFolder, part, m);
    }

    /**
     * @param epochFolder the checkpoint folder holding the part
     * @param name        a file of the part as the manifest lists it
     * @param offset      where to read from
     * @return at most {@link #CHUNK} bytes from {@code offset}; empty at the end of the file
     * @throws ImageException when the name is not listed, the file is not regular or cannot be read
     */
    public byte[] read(Path epochFolder, String part, Manifest m, String name, long offset) throws ImageException {
        FileDigest d = listed(m, part, name);
        if (offset < 0 || offset > d.size()) {
            throw new ImageException("has no offset " + offset + " (it holds " + d.size() + " bytes)", epochFolder.resolve(name));
        }
        Path file = epochFolder.resolve(name);
        try (FileChannel ch = SecureFiles.openRegular(file)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, d.size() - offset));
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    throw new ImageException("ends at " + (offset + buf.position()) + " bytes, before the " + d.size() + " the manifest lists", file);
                }
            }
            return buf.array();
        } catch (IOException e) {
            throw new ImageException("cannot be read (" + e.getMessage() + ")", file);
        }
    }

    // ---- the receiving end

    /**
     * @return whether this store holds the part in place already, complete and as listed (a copy from an earlier
     *         restart); a copy that is not as listed is deleted, so that it is sent again
     */
    public boolean has(Manifest m, String part) throws IOException {
        Path folder;
        try {
            folder = store.committedRemotePart(m.jobId(), m.epoch(), part);
        } catch (IOException e) {
            return false;
        }
        try {
            store.seal().checkPart(folder.getParent(), part, m);
            return true;
        } catch (ImageException e) {
            SecureFiles.deleteTree(folder);
            return false;
        }
    }

    /** Starts receiving a part: an empty staging folder (0700), replacing a stale one. */
    public void begin(Manifest m, String part) throws IOException {
        store.stageRemotePart(m.jobId(), m.epoch(), part);
    }

    /**
     * Appends one chunk to a staged file: chunks come in order, from offset 0, and never past the listed size.
     *
     * @throws ImageException when the name is not listed, the chunk is out of order or too long
     */
    public void write(Manifest m, String part, String name, long offset, byte[] data) throws IOException, ImageException {
        FileDigest d = listed(m, part, name);
        Path staging = store.stagedRemotePart(m.jobId(), m.epoch(), part).getParent();
        Path file = staging.resolve(name);
        if (!file.normalize().equals(file) || !file.startsWith(staging.resolve(part)) || file.equals(staging.resolve(part))) {
            throw new ImageException("lies outside its part: refused", file);
        }
        SecureFiles.folder(file.getParent());
        long have = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? SecureFiles.regular(file).size() : 0;
        if (offset != have || offset + data.length > d.size()) {
            throw new ImageException("got " + data.length + " bytes at offset " + offset + " with " + have + " of " + d.size()
                    + " received: out of order or too long", file);
        }
        try (FileChannel ch = offset == 0
                ? FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                        PosixFilePermissions.asFileAttribute(SecureFiles.FILE))
                : FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (offset + data.length == d.size()) {
                ch.force(true);
            }
        }
    }

    /**
     * Ends receiving a part: every listed file checked (size and SHA-256), then the part moved into place beside the
     * manifest. Nothing is in place unless all of it arrived as listed.
     *
     * @param coordinator the coordinator whose checkpoint it is
     * @return the part's folder in place
     * @throws ImageException naming the first file that is missing or not as listed; the staged copy is deleted
     */
    public Path commit(Manifest m, String part, String coordinator) throws IOException, ImageException {
        Path staging = store.stagedRemotePart(m.jobId(), m.epoch(), part).getParent();
        try {
            store.seal().checkPart(staging, part, m);
        } catch (ImageException e) {
            abort(m, part);
            throw e;
        }
        return store.commitRemotePart(m.jobId(), m.epoch(), part, ManifestCodec.encode(m), coordinator);
    }

    /** Deletes a part staged by {@link #begin}. */
    public void abort(Manifest m, String part) throws IOException {
        store.discardRemotePart(m.jobId(), m.epoch(), part);
    }
}
