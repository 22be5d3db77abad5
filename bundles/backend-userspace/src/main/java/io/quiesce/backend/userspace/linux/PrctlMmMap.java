package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct prctl_mm_map} (104 bytes), the argument of {@code prctl(PR_SET_MM, PR_SET_MM_MAP)}. It restores the
 * kernel's bookkeeping of a rebuilt address space (brk, stack, argv/env bounds, auxv) in one call, which the
 * kernel allows without privileges as long as {@link #exeFd} is -1.
 */
@FieldOrder({ "startCode", "endCode", "startData", "endData", "startBrk", "brk", "startStack", "argStart", "argEnd",
        "envStart", "envEnd", "auxv", "auxvSize", "exeFd" })
public class PrctlMmMap extends Structure {
    /** sizeof(struct prctl_mm_map), the size argument of the prctl. */
    public static final int SIZE = 104;
    /** start_code: first address of the text (stat field 26). */
    public long startCode;
    /** end_code: end of the text (stat field 27). */
    public long endCode;
    /** start_data: start of initialised data (stat field 45). */
    public long startData;
    /** end_data: end of initialised data (stat field 46). */
    public long endData;
    /** start_brk: where the heap starts (stat field 47). */
    public long startBrk;
    /** brk: the current program break (from an injected brk(0): it is not in /proc). */
    public long brk;
    /** start_stack: the initial stack pointer's page (stat field 28). */
    public long startStack;
    /** arg_start: argv strings start (stat field 48). */
    public long argStart;
    /** arg_end: argv strings end (stat field 49). */
    public long argEnd;
    /** env_start: environment strings start (stat field 50). */
    public long envStart;
    /** env_end: environment strings end (stat field 51). */
    public long envEnd;
    /** auxv: user address of a copy of the auxiliary vector (in the scratch page). */
    public long auxv;
    /** auxv_size: its size in bytes. */
    public int auxvSize;
    /** exe_fd: a descriptor of the new /proc/PID/exe, or -1 to keep it (changing it needs CAP_CHECKPOINT_RESTORE). */
    public int exeFd;

    /** @return the structure's bytes as the kernel expects them */
    public byte[] bytes() {
        write();
        return getPointer().getByteArray(0, size());
    }
}
