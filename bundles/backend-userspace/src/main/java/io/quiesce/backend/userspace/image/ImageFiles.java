package io.quiesce.backend.userspace.image;

import io.quiesce.api.image.SecureFiles;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.api.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Reads and writes the backend's files. Everything is created 0600 (it holds process memory) and fsynced. Every
 * JSON file carries a magic and a format version that are checked before anything else is read; unknown fields
 * are ignored, so additions stay readable by this version.
 */
public final class ImageFiles {
    /** Format version of this backend's files. */
    public static final int VERSION = 1;
    /** Magic of a process file. */
    public static final String PROCESS_MAGIC = "quiesce-userspace-process";
    /** Magic of the index file. */
    public static final String INDEX_MAGIC = "quiesce-userspace-index";
    /** Name of the index file. */
    public static final String INDEX = "userspace.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ImageFiles() {
    }

    /** @return a new file created 0600 for writing; fails if it exists */
    public static FileChannel create(Path file) throws IOException {
        return FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(SecureFiles.FILE));
    }

    /**
     * Writes an object as JSON into a new 0600 file and fsyncs it.
     *
     * @return the bytes written
     */
    public static long writeJson(Path file, Object value) throws IOException {
        byte[] b = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
        try (FileChannel ch = create(file)) {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        return b.length;
    }

    /** Reads a process file, checking its magic and version. */
    public static ProcessImage readProcess(Path file) throws ImageException {
        return read(file, PROCESS_MAGIC, ProcessImage.class);
    }

    /** Reads the index file, checking its magic and version. */
    public static ImageIndex readIndex(Path folder) throws ImageException {
        return read(folder.resolve(INDEX), INDEX_MAGIC, ImageIndex.class);
    }

    /** Reads a JSON image file of {@code type}, checking its magic and version. */
    public static <T> T read(Path file, String magic, Class<T> type) throws ImageException {
        JsonNode tree;
        try {
            tree = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ImageException("missing", file);
        } catch (IOException e) {
            throw new ImageException("not readable JSON: " + e.getMessage(), file);
        }
        if (tree == null || !magic.equals(tree.path("magic").asText(null))) {
            throw new ImageException("not a " + magic + " file (magic " + (tree == null ? "none" : tree.path("magic"))
                    + ")", file);
        }
        int v = tree.path("formatVersion").asInt(-1);
        if (v != VERSION) {
            throw new ImageException("format version " + v + " is not supported (this backend reads version " + VERSION
                    + ")", file);
        }
        try {
            return JSON.treeToValue(tree, type);
        } catch (IOException e) {
            throw new ImageException("malformed: " + e.getMessage(), file);
        }
    }

    /** Reads a JSON tree (for the platform's manifest) or throws an ImageException naming the file. */
    public static JsonNode readTree(Path file) throws ImageException {
        if (!Files.exists(file)) {
            throw new ImageException("missing", file);
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ImageException("not readable JSON: " + e.getMessage(), file);
        }
    }

    /** @return the shared mapper (tests write manifests with it) */
    public static ObjectMapper json() {
        return JSON;
    }
}
