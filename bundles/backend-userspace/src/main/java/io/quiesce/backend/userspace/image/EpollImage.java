package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * An epoll instance's interest list, as the process that re-adds it at restore sees it.
 *
 * @param targets the registrations this descriptor's process re-adds: with an epoll shared between processes,
 *                each registration is listed under the one process whose descriptor table has the watched file at
 *                the registered number, and is empty elsewhere
 */
public record EpollImage(List<Target> targets) implements KernelObjectImage {
    /**
     * One registration ({@code tfd: N events: X data: Y} in fdinfo).
     *
     * @param tfd    the descriptor number it was added with, which is the watched file's number in this process
     * @param events the event mask with its flags (EPOLLET 1&lt;&lt;31, EPOLLONESHOT 1&lt;&lt;30, ...); a oneshot
     *               registration that has fired keeps only its flags, and is re-added disarmed
     * @param data   the user data returned with its events
     */
    public record Target(int tfd, int events, long data) {
    }
}
