package io.quiesce.backend.blcr;

import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.HostJob;
import io.quiesce.api.LaunchSpec;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import java.nio.file.Path;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * BLCR, the kernel-assisted checkpointer, through libcr (checkpoint) and cr_restart (restart). Reports itself
 * unavailable where BLCR is absent, which is every kernel after 3.17. Jobs must be launched with this backend
 * selected, so that libcr is preloaded into them as {@code cr_run} does.
 */
@Component(immediate = true, configurationPid = "io.quiesce.backend.blcr",
        property = { CheckpointBackend.NAME + "=blcr", "service.ranking:Integer=50" })
@Designate(ocd = BlcrConfig.class)
public class BlcrBackend implements CheckpointBackend {
    private volatile BlcrEngine engine;

    @Activate
    @Modified
    void activate(BlcrConfig cfg) {
        engine = new BlcrEngine(BlcrEngine.host(cfg));
    }

    @Override
    public String name() {
        return "blcr";
    }

    @Override
    public Availability availability() {
        return engine.availability();
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return engine.capabilities();
    }

    @Override
    public LaunchSpec prepareLaunch(LaunchSpec spec) {
        return BlcrEngine.prepareLaunch(spec);
    }

    @Override
    public CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
        return engine.openCheckpoint(job);
    }

    @Override
    public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
        return engine.openRestore(imageFolder, options);
    }
}
