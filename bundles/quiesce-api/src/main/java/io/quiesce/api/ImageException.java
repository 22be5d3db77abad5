package io.quiesce.api;

import java.nio.file.Path;

/** A checkpoint image is unusable: corrupt, truncated, of another format version, or missing a file. */
public class ImageException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong
     * @param file    the file at fault
     */
    public ImageException(String message, Path file) {
        super(file + ": " + message, -1, null, file, null);
    }
}
