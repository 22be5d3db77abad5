package io.quiesce.backend.userspace.image;

/**
 * A regular file that was deleted while the job held it open: its contents are saved, and the restore recreates it
 * under a temporary name, lets the processes open it, and deletes it again.
 *
 * @param inode    its inode at checkpoint time (the key its descriptors and mappings are matched by)
 * @param path     the path it had, without the kernel's {@code " (deleted)"} suffix
 * @param dataFile the file holding its contents, relative to the image folder
 * @param bytes    the size of its contents
 * @param mode     its permission bits
 */
public record GhostImage(long inode, String path, String dataFile, long bytes, int mode) {
    /** The suffix the kernel appends to the link text of a deleted file. */
    public static final String DELETED = " (deleted)";

    /** @return the link text its descriptors and mappings showed */
    public String linkText() {
        return path + DELETED;
    }
}
