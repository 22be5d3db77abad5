package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** {@code stack_t} (24 bytes): a thread's alternate signal stack, as sigaltstack(2) reads and sets it. */
@FieldOrder({ "sp", "flags", "pad", "size" })
public class StackT extends Structure {
    /** sigaltstack flag: no alternate stack. */
    public static final int SS_DISABLE = 2;
    /** sigaltstack flag: the thread runs on it now (a handler is executing). */
    public static final int SS_ONSTACK = 1;
    /** ss_sp: the stack's lowest address. */
    public long sp;
    /** ss_flags: SS_DISABLE, SS_ONSTACK, SS_AUTODISARM. */
    public int flags;
    /** padding to 8 bytes. */
    public int pad;
    /** ss_size: its size. */
    public long size;

    /** @return the 24 bytes sigaltstack(2) takes as its new stack */
    public static byte[] bytes(long sp, int flags, long size) {
        StackT s = new StackT();
        s.sp = sp;
        s.flags = flags;
        s.size = size;
        s.write();
        return s.getPointer().getByteArray(0, s.size());
    }

    /** @return the stack read from 24 bytes */
    public static StackT of(byte[] b) {
        StackT s = new StackT();
        s.getPointer().write(0, b, 0, Math.min(b.length, s.size()));
        s.read();
        return s;
    }
}
