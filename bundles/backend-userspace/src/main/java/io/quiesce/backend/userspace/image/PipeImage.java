package io.quiesce.backend.userspace.image;

/**
 * One anonymous pipe of the job, both ends inside it, with the bytes that were in it at the checkpoint.
 *
 * @param inode      the pipe's inode at checkpoint time (the {@link FdImage#inode()} of its ends)
 * @param readShare  the open file description of its read end ({@link FdImage#share()})
 * @param writeShare the open file description of its write end
 * @param capacity   its buffer size (F_GETPIPE_SZ)
 * @param dataFile   the file holding the bytes in flight, relative to the image folder
 * @param bytes      how many bytes were in flight
 * @param fifo       true for a named pipe: its descriptors are reopened by path, and {@code readShare} and
 *                   {@code writeShare} are one readable and one writable description among possibly several
 */
public record PipeImage(long inode, int readShare, int writeShare, int capacity, String dataFile, long bytes, boolean fifo) {
}
