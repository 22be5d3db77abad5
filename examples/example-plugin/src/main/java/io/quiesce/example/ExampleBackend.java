package io.quiesce.example;

import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.HostJob;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import java.nio.file.Path;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * The smallest third-party backend: one DS component registering {@link CheckpointBackend} with a name. Drop the
 * bundle into {@code $QUIESCE_HOME/deploy} and it shows in {@code cr:backends}; delete it and it is gone. It
 * checkpoints nothing and says so, so it never becomes the default.
 */
@Component(property = { CheckpointBackend.NAME + "=example", "service.ranking:Integer=-100" })
public class ExampleBackend implements CheckpointBackend {
    @Override
    public String name() {
        return "example";
    }

    @Override
    public Availability availability() {
        return Availability.no("example bundle: shows how to register a backend; it checkpoints nothing");
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return Set.of();
    }

    @Override
    public CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
        throw new NotSupportedException("the example backend checkpoints nothing");
    }

    @Override
    public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
        throw new NotSupportedException("the example backend restores nothing");
    }
}
