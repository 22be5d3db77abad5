package io.quiesce.fabric.tcp.linux;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** {@code struct iovec}: one buffer of a {@link MsgHdr}. */
@FieldOrder({ "base", "len" })
public final class IoVec extends Structure {
    /** the buffer */
    public Pointer base;
    /** its length in bytes */
    public long len;
}
