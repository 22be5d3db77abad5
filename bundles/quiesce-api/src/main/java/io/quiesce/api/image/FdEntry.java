package io.quiesce.api.image;

/**
 * A saved file descriptor; one record type per kind of open file. Sealed so a reader handles every kind.
 */
public sealed interface FdEntry {

    /** @return the descriptor number in the process */
    int fd();

    /** @return which kind of resource this is */
    ResourceKind kind();

    /**
     * A regular file.
     *
     * @param fd       descriptor number
     * @param path     path at checkpoint time
     * @param offset   file position
     * @param flags    open flags (octal as in fdinfo)
     * @param deleted  true when the file was deleted while open (its contents are saved)
     * @param dataFile image file with the saved contents of a deleted file, or null
     */
    record RegularFile(int fd, String path, long offset, int flags, boolean deleted, String dataFile) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.REGULAR_FILE;
        }
    }

    /**
     * An end of an anonymous pipe.
     *
     * @param fd       descriptor number
     * @param inode    pipe inode (ends with the same inode are one pipe)
     * @param writeEnd true for the write end
     * @param flags    open flags
     * @param dataFile image file with bytes that were in the pipe, or null
     */
    record Pipe(int fd, long inode, boolean writeEnd, int flags, String dataFile) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.PIPE;
        }
    }

    /**
     * An end of a named pipe.
     *
     * @param fd       descriptor number
     * @param path     the FIFO's path
     * @param flags    open flags
     * @param dataFile image file with bytes that were in it, or null
     */
    record Fifo(int fd, String path, int flags, String dataFile) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.FIFO;
        }
    }

    /**
     * A character device, reopened by path.
     *
     * @param fd    descriptor number
     * @param path  device path, e.g. {@code /dev/null}
     * @param flags open flags
     */
    record CharDevice(int fd, String path, int flags) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.CHAR_DEVICE;
        }
    }

    /**
     * A TCP socket.
     *
     * @param fd     descriptor number
     * @param state  {@code established}, {@code listen}, ...
     * @param local  local address
     * @param remote peer address, or null for a listener
     * @param flags  open flags
     */
    record TcpSocket(int fd, String state, String local, String remote, int flags) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.TCP_SOCKET;
        }
    }

    /**
     * A Unix-domain socket.
     *
     * @param fd    descriptor number
     * @param inode socket inode
     * @param peer  peer socket inode, or 0 when unconnected
     * @param path  bound path, or null
     * @param flags open flags
     */
    record UnixSocket(int fd, long inode, long peer, String path, int flags) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.UNIX_SOCKET;
        }
    }

    /**
     * Any other descriptor, recorded by its link text.
     *
     * @param fd     descriptor number
     * @param target the {@code /proc/PID/fd} link text
     */
    record Other(int fd, String target) implements FdEntry {
        @Override
        public ResourceKind kind() {
            return ResourceKind.OTHER_FD;
        }
    }
}
