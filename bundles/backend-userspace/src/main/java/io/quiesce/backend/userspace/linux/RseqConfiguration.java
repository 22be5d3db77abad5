package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/** {@code struct ptrace_rseq_configuration} (24 bytes), filled by PTRACE_GET_RSEQ_CONFIGURATION. */
@FieldOrder({ "rseqAbiPointer", "rseqAbiSize", "signature", "flags", "pad" })
public class RseqConfiguration extends Structure {
    /** rseq_abi_pointer: user address of the thread's struct rseq, 0 when none is registered. */
    public long rseqAbiPointer;
    /** rseq_abi_size: the size the thread registered (32 with glibc 2.36). */
    public int rseqAbiSize;
    /** signature: the abort signature given at registration (0x53053053 with glibc). */
    public int signature;
    /** flags: registration flags (0). */
    public int flags;
    /** pad: alignment to 8 bytes. */
    public int pad;
}
