package io.quiesce.backend.userspace;

import io.quiesce.api.FrozenProcess;
import io.quiesce.api.SyscallInjection;
import java.util.Optional;

/**
 * A process this backend holds stopped; fabrics may inject system calls into it.
 *
 * @param originalPid its PID when the checkpoint was taken (equal to {@code pid} during a checkpoint)
 */
record Frozen(long pid, long originalPid, SyscallInjection injection) implements FrozenProcess {
    @Override
    public <T> Optional<T> facility(Class<T> type) {
        return type == SyscallInjection.class ? Optional.of(type.cast(injection)) : Optional.empty();
    }
}
