package io.quiesce.api.image;

/** Constants of the on-disk image format. */
public final class ImageFormat {
    /** Every manifest starts with this magic value in its {@code magic} field. */
    public static final String MAGIC = "quiesce-checkpoint";
    /** The manifest format version this platform writes and reads. */
    public static final int VERSION = 1;
    /** File name of the manifest inside a checkpoint folder; written last, its presence marks a complete image. */
    public static final String MANIFEST = "manifest.json";
    /** Name of the pointer (symbolic link) to a job's newest committed checkpoint. */
    public static final String LATEST = "latest";

    private ImageFormat() {
    }
}
