package io.quiesce.api.image;

/** Constants of the on-disk image format. */
public final class ImageFormat {
    /** Every manifest starts with this magic value in its {@code magic} field. */
    public static final String MAGIC = "quiesce-checkpoint";
    /**
     * The manifest format version this platform writes: the manifest lists every file with its SHA-256 and is
     * authenticated by {@link #SEAL}.
     */
    public static final int VERSION = 2;
    /** The format before file digests and the seal; read only when the user trusts the image explicitly. */
    public static final int VERSION_UNSEALED = 1;
    /** File name of the manifest's HMAC-SHA256 (hex) under the key of the platform that committed it. */
    public static final String SEAL = "manifest.hmac";
    /** File name of the manifest inside a checkpoint folder; written last, its presence marks a complete image. */
    public static final String MANIFEST = "manifest.json";
    /** Name of the pointer (symbolic link) to a job's newest committed checkpoint. */
    public static final String LATEST = "latest";

    private ImageFormat() {
    }
}
