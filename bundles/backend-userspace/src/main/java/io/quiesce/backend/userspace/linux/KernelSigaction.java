package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** The kernel's {@code struct sigaction} for rt_sigaction(2) on x86_64 (32 bytes; not glibc's larger one). */
@FieldOrder({ "handler", "flags", "restorer", "mask" })
public class KernelSigaction extends Structure {
    /** sa_handler: handler address, 0 = SIG_DFL, 1 = SIG_IGN. */
    public long handler;
    /** sa_flags: SA_* flags; glibc always adds SA_RESTORER (0x04000000). */
    public long flags;
    /** sa_restorer: the user-space trampoline that calls rt_sigreturn. */
    public long restorer;
    /** sa_mask: signals blocked while the handler runs (bit n-1 = signal n). */
    public long mask;

    /** Size of the structure in bytes. */
    public static final int SIZE = 32;
}
