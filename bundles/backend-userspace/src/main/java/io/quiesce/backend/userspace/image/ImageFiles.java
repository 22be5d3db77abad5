package io.quiesce.backend.userspace.image;

import io.quiesce.api.image.SecureFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.api.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Reads and writes the backend's files. Everything is created 0600 (it holds process memory); a dump makes all of its
 * files durable together at its end ({@link #syncAll}), not one by one while the job is paused. Every
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
     * Writes an object as JSON into a new 0600 file (made durable by {@link #syncAll}).
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
        }
        return b.length;
    }

    /**
     * Makes every regular file of a new staging folder durable, and then the folder itself (its names). Called once
     * at the end of a dump: fsyncs issued together share the filesystem's journal commits and overlap their
     * writeback (on a few threads), where one fsync per file as it is written paid a journal commit each, dozens per
     * process, all while the job was paused. Links are not followed; only this backend's own files are there.
     *
     * @param folder the staging folder
     * @throws IOException naming the file that could not be made durable
     */
    public static void syncAll(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(folder)) {
            files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(4, files.size())), r -> {
            Thread t = new Thread(r, "quiesce-image-sync");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Path f : files) {
                done.add(pool.submit(() -> {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                        ch.force(true);
                    }
                    return null;
                }));
            }
            for (int i = 0; i < done.size(); i++) {
                try {
                    done.get(i).get();
                } catch (ExecutionException e) {
                    throw new IOException("cannot fsync " + files.get(i) + ": " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while making " + folder + " durable", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path d : s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                try (FileChannel dir = FileChannel.open(d, StandardOpenOption.READ)) {
                    dir.force(true); // the new names
                }
            }
        }
    }

    /** Reads a process file, checking its magic and version. */
    public static ProcessImage readProcess(Path file) throws ImageException {
        return parseProcess(SecureFiles.readBounded(file, MAX_JSON), file);
    }

    /**
     * Parses and checks a process file's bytes (the fuzzers' entry point).
     *
     * @param bytes the file's bytes
     * @param file  where they come from, named in errors
     * @return the checked image
     * @throws ImageException naming the file and the field at fault
     */
    public static ProcessImage parseProcess(byte[] bytes, Path file) throws ImageException {
        return ImageChecks.process(parse(tree(bytes, file), file, PROCESS_MAGIC, ProcessImage.class), file);
    }

    /**
     * Parses and checks an index file's bytes (the fuzzers' entry point).
     *
     * @param bytes the file's bytes
     * @param file  where they come from, named in errors
     * @return the checked index
     * @throws ImageException naming the file and the field at fault
     */
    public static ImageIndex parseIndex(byte[] bytes, Path file) throws ImageException {
        return ImageChecks.index(parse(tree(bytes, file), file, INDEX_MAGIC, ImageIndex.class), file);
    }

    /** Reads the index file, checking its magic and version. */
    public static ImageIndex readIndex(Path folder) throws ImageException {
        Path file = folder.resolve(INDEX);
        return parseIndex(SecureFiles.readBounded(file, MAX_JSON), file);
    }

    /** Most bytes a JSON file of the backend may hold (a process lists its mappings and runs). */
    public static final long MAX_JSON = 256L << 20;

    /** Reads a JSON image file of {@code type} (a regular file, bounded), checking its magic and version. */
    public static <T> T read(Path file, String magic, Class<T> type) throws ImageException {
        return parse(readTree(file), file, magic, type);
    }

    private static <T> T parse(JsonNode tree, Path file, String magic, Class<T> type) throws ImageException {
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
        } catch (JsonProcessingException e) {
            throw new ImageException("malformed: " + describe(e), file);
        } catch (IOException | RuntimeException e) {
            throw new ImageException("malformed (" + io.quiesce.api.image.ImageFields.parserFailure(e) + ")", file);
        }
    }

    /**
     * Reads a JSON tree (for the platform's manifest) or throws an ImageException naming the file: a regular file
     * only (no link, FIFO or device), at most {@link #MAX_JSON} bytes.
     */
    public static JsonNode readTree(Path file) throws ImageException {
        return tree(SecureFiles.readBounded(file, MAX_JSON), file);
    }

    private static JsonNode tree(byte[] bytes, Path file) throws ImageException {
        try {
            JsonNode tree = JSON.readTree(bytes);
            if (tree == null || !tree.isObject()) {
                throw new ImageException("not a JSON object", file);
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new ImageException("not readable JSON: " + describe(e), file);
        } catch (IOException | RuntimeException e) {
            throw new ImageException("not readable JSON (" + io.quiesce.api.image.ImageFields.parserFailure(e) + ")", file);
        }
    }

    /** @return what is wrong and where in a JSON file, without the exception's own text */
    static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
        if (e instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
            StringBuilder field = new StringBuilder();
            for (JsonMappingException.Reference r : jm.getPath()) {
                field.append(r.getFieldName() != null ? (field.length() == 0 ? "" : ".") + r.getFieldName() : "[" + r.getIndex() + "]");
            }
            return "field '" + field + "' has an invalid value" + where;
        }
        return io.quiesce.api.image.ImageFields.parserMessage(e.getOriginalMessage()) + where;
    }

    /** @return the shared mapper (tests write manifests with it) */
    public static ObjectMapper json() {
        return JSON;
    }
}
