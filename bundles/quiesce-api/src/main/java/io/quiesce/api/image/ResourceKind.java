package io.quiesce.api.image;

/** The kinds of saved resource; each has its own record type in this package. */
public enum ResourceKind {
    /** A process: identity, tree position, credentials. {@link ProcessRecord} */
    PROCESS,
    /** A memory mapping and where its saved pages are. {@link MemoryRegion} */
    MEMORY,
    /** A regular file descriptor. {@link FdEntry.RegularFile} */
    REGULAR_FILE,
    /** A pipe end. {@link FdEntry.Pipe} */
    PIPE,
    /** A named pipe end. {@link FdEntry.Fifo} */
    FIFO,
    /** A character device such as /dev/null. {@link FdEntry.CharDevice} */
    CHAR_DEVICE,
    /** A TCP socket. {@link FdEntry.TcpSocket} */
    TCP_SOCKET,
    /** A Unix-domain socket. {@link FdEntry.UnixSocket} */
    UNIX_SOCKET,
    /** Any other descriptor, saved by path only. {@link FdEntry.Other} */
    OTHER_FD
}
