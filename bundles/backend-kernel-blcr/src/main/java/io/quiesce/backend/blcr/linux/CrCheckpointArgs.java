package io.quiesce.backend.blcr.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * libcr's {@code cr_checkpoint_args_t} (libcr.h, interface version 1): seven 4-byte fields, 28 bytes, aligned to 4
 * on every ABI. Filled with defaults by {@link LibCr#cri_init_checkpoint_args_t} and then by the caller.
 */
@FieldOrder({ "cr_version", "cr_scope", "cr_target", "cr_fd", "cr_signal", "cr_timeout", "cr_flags" })
public class CrCheckpointArgs extends Structure {
    /** Size in bytes on x86_64 (and every other Linux ABI BLCR supported). */
    public static final int SIZE = 28;

    /** +0 cr_version_t: must be {@link LibCr#CR_CHECKPOINT_ARGS_VERSION}; libcr rejects others with EINVAL. */
    public int cr_version;
    /** +4 cr_scope_t: one of {@code CR_SCOPE_*}; the defaults leave -1, which the kernel rejects. */
    public int cr_scope;
    /** +8 pid_t: the process (or group, session, tree root) to checkpoint; 0 means the caller itself. */
    public int cr_target;
    /** +12 int: the descriptor the kernel writes the context to; -1 by default, {@code CR_DEST_CWD} = -4096. */
    public int cr_fd;
    /** +16 int: signal sent to every checkpointed process once the context is written; 0 for none. */
    public int cr_signal;
    /** +20 unsigned int: seconds the targets have to reach the checkpoint; 0 means unbounded. */
    public int cr_timeout;
    /** +24 unsigned int: {@code CR_CHKPT_*} flags. */
    public int cr_flags;
}
