package io.quiesce.backend.blcr;

import io.quiesce.api.FrozenProcess;
import java.util.Optional;

/**
 * A process in a BLCR session. BLCR offers fabrics no facility: it has no way to run code inside a stopped process,
 * so fabrics report that they cannot drain (see {@link FrozenProcess#facility}).
 *
 * @param pid the process ID on this host
 */
record BlcrProcess(long pid) implements FrozenProcess {
    @Override
    public <T> Optional<T> facility(Class<T> type) {
        return Optional.empty();
    }
}
