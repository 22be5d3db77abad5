package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct kcmp_epoll_slot} (12 bytes): names one registration of an epoll instance for kcmp(2)
 * KCMP_EPOLL_TFD, which compares the file registered there with a descriptor.
 */
@FieldOrder({ "efd", "tfd", "toff" })
public class KcmpEpollSlot extends Structure {
    /** efd: the epoll descriptor, in the second process. */
    public int efd;
    /** tfd: the descriptor number the registration was added with. */
    public int tfd;
    /** toff: which of several registrations with that number (0 for the first). */
    public int toff;

    public KcmpEpollSlot(int efd, int tfd, int toff) {
        this.efd = efd;
        this.tfd = tfd;
        this.toff = toff;
        write();
    }
}
