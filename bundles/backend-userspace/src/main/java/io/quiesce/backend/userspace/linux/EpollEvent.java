package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct epoll_event} (12 bytes: packed on x86_64), the argument of an injected epoll_ctl(2).
 */
@FieldOrder({ "events", "data" })
public class EpollEvent extends Structure {
    /** sizeof(struct epoll_event) on x86_64. */
    public static final int SIZE = 12;
    /** events: the event mask and its flags (EPOLLET, EPOLLONESHOT, ...). */
    public int events;
    /** data: the user data returned with each event. */
    public long data;

    public EpollEvent(int events, long data) {
        super(ALIGN_NONE);
        this.events = events;
        this.data = data;
    }

    /** @return the structure's bytes, to be written into a tracee */
    public byte[] bytes() {
        write();
        return getPointer().getByteArray(0, size());
    }
}
