package io.quiesce.backend.userspace.image;

/**
 * A regular file the job had open for writing at the checkpoint, as it was then: a restart compares it with the
 * file as it is now, since the processes will go on from the saved offsets into whatever the file holds.
 *
 * @param path    its path
 * @param size    its size at the checkpoint
 * @param mtimeNs its modification time in nanoseconds since the epoch
 * @param inode   its inode
 * @param copy    the copy saved in the image (checkpoint --save-files), relative to the folder; null when none
 */
public record WrittenFileImage(String path, long size, long mtimeNs, long inode, String copy) {
}
