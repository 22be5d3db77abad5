package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** {@code struct iovec}: the buffer descriptor PTRACE_GETREGSET/SETREGSET take as {@code data}. */
@FieldOrder({ "base", "len" })
public class Iovec extends Structure {
    /** iov_base: address of the register buffer. */
    public long base;
    /** iov_len: its size; the kernel lowers it to the bytes it filled. */
    public long len;
}
