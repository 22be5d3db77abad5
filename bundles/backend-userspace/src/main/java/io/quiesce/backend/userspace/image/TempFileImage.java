package io.quiesce.backend.userspace.image;

/**
 * A file, FIFO or folder in a temporary folder ({@code /tmp}, {@code /var/tmp}, {@code /dev/shm}, {@code /run/user/UID},
 * {@code $TMPDIR}) that the job holds open, maps or binds a socket in: saved with the image so that it exists again
 * at restart even where that folder was cleared.
 *
 * @param kind     {@link #REGULAR}, {@link #FIFO} or {@link #DIRECTORY}
 * @param path     its absolute, normalised path
 * @param root     the temporary folder it lies in (one of the roots above; never written outside)
 * @param mode     its permission bits
 * @param size     a regular file's size, else 0
 * @param mtime    a regular file's modification time (ns since the epoch), else 0
 * @param dataFile a regular file's contents, relative to the image folder; null for other kinds and for a file larger
 *                 than the engine saves (it must then be there, unchanged, at restart)
 * @param rewrite  true when the job maps the file or reads it: if it changed since, its saved contents are put back;
 *                 false for a file only written (a log keeps what was written after the checkpoint)
 */
public record TempFileImage(String kind, String path, String root, int mode, long size, long mtime, String dataFile,
        boolean rewrite) {
    /** A regular file. */
    public static final String REGULAR = "regular";
    /** A named pipe. */
    public static final String FIFO = "fifo";
    /** A folder on the way from the root to a saved file. */
    public static final String DIRECTORY = "directory";
}
