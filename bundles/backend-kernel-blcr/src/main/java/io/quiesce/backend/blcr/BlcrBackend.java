package io.quiesce.backend.blcr;

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
import java.util.EnumSet;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** BLCR, the kernel-assisted checkpointer, through libcr. Reports itself unavailable where BLCR is absent. */
@Component(immediate = true, property = { CheckpointBackend.NAME + "=blcr", "service.ranking:Integer=50" })
public class BlcrBackend implements CheckpointBackend {
    private Availability availability;

    @Activate
    void activate() {
        availability = BlcrProbe.host().probe();
    }

    @Override
    public String name() {
        return "blcr";
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return EnumSet.noneOf(BackendCapability.class);
    }

    @Override
    public CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
        throw new NotSupportedException("backend 'blcr' cannot checkpoint in this build");
    }

    @Override
    public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
        throw new NotSupportedException("backend 'blcr' cannot restore in this build");
    }
}
