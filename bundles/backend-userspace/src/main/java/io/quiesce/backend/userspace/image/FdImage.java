package io.quiesce.backend.userspace.image;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A saved descriptor.
 *
 * @param fd     descriptor number
 * @param kind   {@link #REGULAR}, {@link #CHAR_DEVICE}, {@link #PIPE}, {@link #FIFO}, {@link #SOCKET}, {@link #DIRECTORY},
 *               {@link #PATH}, {@link #MEMFD} or one of the anon-inode kinds
 * @param path   the path it was opened as (for a pipe, the link text {@code pipe:[INODE]})
 * @param offset the file position
 * @param flags  open flags from fdinfo, including O_CLOEXEC for a close-on-exec descriptor
 * @param share  the open file description it refers to, numbered from 1 across the whole job: descriptors with the
 *               same number (dup'ed, inherited) share offset and status flags and are restored as one; 0 in images
 *               written before sharing was recorded (each descriptor then gets its own)
 * @param inode  the inode of the file (for a pipe: of the pipe, pairing its two ends)
 * @param object the kernel object's state for the anon-inode kinds ({@link #EVENTFD}, {@link #TIMERFD},
 *               {@link #SIGNALFD}, {@link #EPOLL}, {@link #INOTIFY}); null for the others and in older images
 */
public record FdImage(int fd, String kind, String path, long offset, int flags, int share, long inode,
        @JsonInclude(JsonInclude.Include.NON_NULL) KernelObjectImage object) {
    /** A descriptor without kernel-object state. */
    public FdImage(int fd, String kind, String path, long offset, int flags, int share, long inode) {
        this(fd, kind, path, offset, flags, share, inode, null);
    }

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
    /** Kind of a directory opened for reading (O_DIRECTORY); {@code offset} is the getdents position, an opaque cookie. */
    public static final String DIRECTORY = "directory";
    /** Kind of an O_PATH descriptor of any file or directory: reopened by path with O_PATH, no offset. */
    public static final String PATH = "path";
    /** Kind of an eventfd; {@link #object()} is an {@link EventFdImage}. */
    public static final String EVENTFD = "eventfd";
    /** Kind of a timerfd; {@link #object()} is a {@link TimerFdImage}. */
    public static final String TIMERFD = "timerfd";
    /** Kind of a signalfd; {@link #object()} is a {@link SignalFdImage}. */
    public static final String SIGNALFD = "signalfd";
    /** Kind of an epoll instance; {@link #object()} is an {@link EpollImage}. */
    public static final String EPOLL = "epoll";
    /** Kind of an inotify instance; {@link #object()} is an {@link InotifyImage}. */
    public static final String INOTIFY = "inotify";
    /** Kind of a pseudo-terminal master ({@code /dev/ptmx}); its pair is in {@code terminals.json}. */
    public static final String PTY_MASTER = "pty-master";
    /** Kind of a pseudo-terminal slave ({@code /dev/pts/N}) whose master the job holds. */
    public static final String PTY_SLAVE = "pty-slave";
    /** Kind of {@code /dev/tty} (the controlling terminal, whatever it is): refused at dump. */
    public static final String TTY = "tty";
    /** Every kind above: an image naming another is refused before anything is restored. */
    public static final java.util.Set<String> KINDS = java.util.Set.of(REGULAR, CHAR_DEVICE, PIPE, FIFO, MEMFD, SOCKET, DIRECTORY, PATH,
            EVENTFD, TIMERFD, SIGNALFD, EPOLL, INOTIFY, PTY_MASTER, PTY_SLAVE, TTY);

    /** @return this descriptor with its open file description number set */
    public FdImage withShare(int s) {
        return new FdImage(fd, kind, path, offset, flags, s, inode, object);
    }

    /** @return this descriptor with its kernel object's state replaced */
    public FdImage withObject(KernelObjectImage o) {
        return new FdImage(fd, kind, path, offset, flags, share, inode, o);
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
