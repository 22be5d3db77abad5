package io.quiesce.api.image;

/** Constants of the on-disk image format. */
public final class ImageFormat {
    /** Every manifest starts with this magic value in its {@code magic} field. */
    public static final String MAGIC = "quiesce-checkpoint";
    /**
     * The manifest format version this platform writes: each host's files are in a subfolder of their own
     * ({@link HostRecord#folder()}), so the parts of several hosts never collide; the manifest lists every file with
     * its SHA-256 and is authenticated by {@link #SEAL}.
     */
    public static final int VERSION = 3;
    /** The sealed format of one host whose files lie at the top of the checkpoint folder; still read. */
    public static final int VERSION_FLAT = 2;
    /** The format before file digests and the seal; read only when the user trusts the image explicitly. */
    public static final int VERSION_UNSEALED = 1;
    /** File name of the manifest's HMAC-SHA256 (hex) under the key of the platform that committed it. */
    public static final String SEAL = "manifest.hmac";
    /** File name of the manifest inside a checkpoint folder; written last, its presence marks a complete image. */
    public static final String MANIFEST = "manifest.json";
    /** Name of the pointer (symbolic link) to a job's newest committed checkpoint. */
    public static final String LATEST = "latest";

    /**
     * @param version a manifest's format version
     * @return true when this platform reads it
     */
    public static boolean readable(int version) {
        return version == VERSION || version == VERSION_FLAT || version == VERSION_UNSEALED;
    }

    /** @return the versions this platform reads, for error messages */
    public static String readableVersions() {
        return VERSION_UNSEALED + ", " + VERSION_FLAT + " and " + VERSION;
    }

    private ImageFormat() {
    }
}
