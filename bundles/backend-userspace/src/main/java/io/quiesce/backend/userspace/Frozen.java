package io.quiesce.backend.userspace;

import io.quiesce.api.FrozenProcess;
import io.quiesce.api.SyscallInjection;
import java.util.Optional;

/** A process this backend holds stopped; fabrics may inject system calls into it. */
record Frozen(long pid, SyscallInjection injection) implements FrozenProcess {
    @Override
    public <T> Optional<T> facility(Class<T> type) {
        return type == SyscallInjection.class ? Optional.of(type.cast(injection)) : Optional.empty();
    }
}
