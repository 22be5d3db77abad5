package io.quiesce.backend.userspace.image;

/**
 * A saved descriptor that is reopened by path.
 *
 * @param fd     descriptor number
 * @param kind   {@code regular} or {@code char-device}
 * @param path   the path it was opened as
 * @param offset the file position
 * @param flags  open flags from fdinfo, including O_CLOEXEC
 */
public record FdImage(int fd, String kind, String path, long offset, int flags) {
    /** Kind of a regular file. */
    public static final String REGULAR = "regular";
    /** Kind of a character device. */
    public static final String CHAR_DEVICE = "char-device";
}
