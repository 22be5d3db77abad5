package io.quiesce.api.image;

/**
 * One file of a checkpoint as it was committed: the manifest lists every file of the folder with its size and
 * SHA-256, so that a restart can refuse an image in which any byte changed before it restores anything.
 *
 * @param name   the file's name relative to the checkpoint folder (see {@link ImageFields#relative})
 * @param size   its size in bytes
 * @param sha256 its SHA-256, 64 lower-case hex digits
 */
public record FileDigest(String name, long size, String sha256) {
}
