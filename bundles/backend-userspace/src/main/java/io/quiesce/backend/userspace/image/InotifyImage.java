package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * An inotify instance's watches, re-added by path in watch-descriptor order so every watch gets its number back.
 *
 * @param watches     the watches, in increasing {@code wd}
 * @param unreadBytes bytes of events that were queued and not read at the checkpoint (lost at restore)
 */
public record InotifyImage(List<Watch> watches, int unreadBytes) implements KernelObjectImage {
    /**
     * One watch.
     *
     * @param wd    its watch descriptor
     * @param path  the path of the watched inode, resolved at the checkpoint and checked against {@code inode}
     * @param inode the watched inode ({@code ino:})
     * @param dev   its device, as stat(2) reports it
     * @param mask  the mask as inotify_add_watch(2) takes it ({@code mask:})
     */
    public record Watch(int wd, String path, long inode, long dev, int mask) {
    }
}
