package io.quiesce.backend.blcr;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * What this backend records next to BLCR's context file ({@value #FILE}): which file holds the job and which
 * processes it held. BLCR's own context is opaque to Quiesce; {@code cr_restart} reads it.
 *
 * @param context the context file's name in the checkpoint folder
 * @param rootPid the PID the tree request targeted
 * @param pids    the job's processes at checkpoint time, root first
 * @param scope   the request's scope ({@code tree})
 * @param flags   the request's {@code CR_CHKPT_*} flags
 * @param kernel  the kernel release the checkpoint was taken on (restart needs the same kernel and libraries)
 */
record BlcrImage(String context, long rootPid, List<Long> pids, String scope, int flags, String kernel) {
    /** The metadata file's name. */
    static final String FILE = "blcr.properties";
    /** Format tag of the metadata file. */
    static final String FORMAT = "quiesce-blcr/1";

    /** Copies the PID list. */
    BlcrImage {
        pids = List.copyOf(pids);
    }

    /** @return the metadata as the bytes of a properties file, keys in a fixed order */
    byte[] encode() {
        String text = "# Quiesce BLCR checkpoint: restart with cr_restart " + context + "\n"
                + "format=" + FORMAT + "\n"
                + "context=" + context + "\n"
                + "root=" + rootPid + "\n"
                + "pids=" + pids.stream().map(String::valueOf).collect(Collectors.joining(",")) + "\n"
                + "scope=" + scope + "\n"
                + "flags=0x" + Integer.toHexString(flags) + "\n"
                + "kernel=" + kernel + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param folder a committed checkpoint folder
     * @return the metadata written by {@link #encode()}
     * @throws CheckpointException when the file is missing, of another format, or names a missing context file
     */
    static BlcrImage read(Path folder) throws CheckpointException {
        Path file = folder.resolve(FILE);
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(file)));
        } catch (IOException e) {
            throw new ImageException("not a BLCR checkpoint: cannot read " + FILE + " (" + e.getMessage() + ")", file);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new ImageException("unknown format '" + p.getProperty("format") + "' (expected " + FORMAT + ")", file);
        }
        try {
            String context = p.getProperty("context", "");
            if (context.isEmpty() || context.contains("/")) {
                throw new ImageException("bad context file name '" + context + "'", file);
            }
            List<Long> pids = Arrays.stream(p.getProperty("pids", "").split(",")).filter(s -> !s.isBlank()).map(Long::valueOf).toList();
            return new BlcrImage(context, Long.parseLong(p.getProperty("root")), pids, p.getProperty("scope", "tree"),
                    Integer.parseUnsignedInt(p.getProperty("flags", "0x0").substring(2), 16), p.getProperty("kernel", "unknown"));
        } catch (RuntimeException e) {
            throw new ImageException("corrupt " + FILE + ": " + e, file);
        }
    }
}
