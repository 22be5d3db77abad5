package io.quiesce.backend.userspace;

import io.quiesce.api.FrozenProcess;
import java.util.Optional;

/** A process this backend holds stopped. No facility is offered to fabrics yet. */
record Frozen(long pid) implements FrozenProcess {
    @Override
    public <T> Optional<T> facility(Class<T> type) {
        return Optional.empty();
    }
}
