package io.quiesce.backend.userspace;

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

/**
 * The userspace checkpointer: ptrace and /proc from Java, no kernel module, no LD_PRELOAD, no root. This build
 * probes the host honestly; the engine that freezes, dumps and restores processes is not in it yet, so every
 * checkpoint or restart asked of it fails with a message that says so.
 */
@Component(immediate = true, property = { CheckpointBackend.NAME + "=userspace", "service.ranking:Integer=100" })
public class UserspaceBackend implements CheckpointBackend {
    private Availability availability;

    @Activate
    void activate() {
        availability = UserspaceProbe.host().probe(); // probed once: neither the kernel nor Yama changes under us
    }

    @Override
    public String name() {
        return "userspace";
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        // Only what this build really does; the engine's capabilities are added with the engine.
        return availability.available() ? EnumSet.of(BackendCapability.UNPRIVILEGED) : EnumSet.noneOf(BackendCapability.class);
    }

    @Override
    public CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
        throw new NotSupportedException("backend 'userspace' cannot checkpoint processes yet: its dump engine is not in this build");
    }

    @Override
    public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
        throw new NotSupportedException("backend 'userspace' cannot restore processes yet: its restore engine is not in this build");
    }
}
