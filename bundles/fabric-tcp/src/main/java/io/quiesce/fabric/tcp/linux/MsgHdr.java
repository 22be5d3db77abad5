package io.quiesce.fabric.tcp.linux;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** {@code struct msghdr} (x86_64) for recvmsg(2)/sendmsg(2): one buffer, an address, ancillary data. */
@FieldOrder({ "name", "namelen", "iov", "iovlen", "control", "controllen", "flags" })
public final class MsgHdr extends Structure {
    /** the peer's address buffer (sender on receive, destination on send), or null */
    public Pointer name;
    /** its size in bytes; on receive the kernel writes the address's length */
    public int namelen;
    /** the {@code struct iovec} array */
    public Pointer iov;
    /** how many iovecs */
    public long iovlen;
    /** the ancillary data buffer (cmsghdrs), or null */
    public Pointer control;
    /** its size; on receive the kernel writes the length used */
    public long controllen;
    /** on receive: MSG_TRUNC, MSG_CTRUNC... */
    public int flags;
}
