package io.quiesce.backend.userspace.image;

/**
 * A saved descriptor.
 *
 * @param fd     descriptor number
 * @param kind   {@link #REGULAR}, {@link #CHAR_DEVICE}, {@link #PIPE}, {@link #FIFO}, {@link #MEMFD} or {@link #SOCKET}
 * @param path   the path it was opened as (for a pipe, the link text {@code pipe:[INODE]})
 * @param offset the file position
 * @param flags  open flags from fdinfo, including O_CLOEXEC for a close-on-exec descriptor
 * @param share  the open file description it refers to, numbered from 1 across the whole job: descriptors with the
 *               same number (dup'ed, inherited) share offset and status flags and are restored as one; 0 in images
 *               written before sharing was recorded (each descriptor then gets its own)
 * @param inode  the inode of the file (for a pipe: of the pipe, pairing its two ends)
 */
public record FdImage(int fd, String kind, String path, long offset, int flags, int share, long inode) {
    /** Kind of a regular file. */
    public static final String REGULAR = "regular";
    /** Kind of a character device. */
    public static final String CHAR_DEVICE = "char-device";
    /** Kind of an end of an anonymous pipe; {@code flags & O_ACCMODE} tells which end. */
    public static final String PIPE = "pipe";
    /** Kind of a descriptor of a named pipe (FIFO), reopened by path. */
    public static final String FIFO = "fifo";
    /** Kind of a descriptor of a memfd: the object is saved once for the job (see {@link MemfdImage}). */
    public static final String MEMFD = "memfd";
    /**
     * Kind of a socket: its contents and connection are a fabric's to save and rebuild; the backend keeps the number
     * free at restore and checks at release that a fabric put a socket there.
     */
    public static final String SOCKET = "socket";

    /** @return this descriptor with its open file description number set */
    public FdImage withShare(int s) {
        return new FdImage(fd, kind, path, offset, flags, s, inode);
    }

    /** @return true for the write end of a pipe */
    public boolean writeEnd() {
        return (flags & 3) == 1;
    }

    /** @return true when opened for reading (O_RDONLY or O_RDWR) */
    public boolean readable() {
        return (flags & 3) != 1;
    }

    /** @return true when opened for writing (O_WRONLY or O_RDWR) */
    public boolean writable() {
        return (flags & 3) != 0;
    }
}
