package io.quiesce.backend.userspace;

import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.HostJob;
import io.quiesce.api.LaunchSpec;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace checkpointer: ptrace and /proc from Java, no kernel module, no LD_PRELOAD, no root. This version
 * checkpoints jobs made of single-threaded processes (regular files and character devices as descriptors) and
 * restores them into a stub with new PIDs.
 */
@Component(immediate = true, property = { CheckpointBackend.NAME + "=" + UserspaceBackend.NAME_VALUE, "service.ranking:Integer=100" })
public class UserspaceBackend implements CheckpointBackend {
    /** This backend's name. */
    static final String NAME_VALUE = "userspace";
    private static final Logger LOG = LoggerFactory.getLogger(UserspaceBackend.class);
    private static final Path PROC = Path.of("/proc");

    private Availability availability;
    private StubBinary stub;

    @Activate
    void activate(BundleContext context) {
        File data = context.getDataFile("stub");
        activateWith(data == null ? null : data.toPath());
    }

    /**
     * Probes the host and extracts the restore stub.
     *
     * @param stubParent where the stub's private folder goes (the bundle's data area), or null for the temp folder
     */
    void activateWith(Path stubParent) {
        availability = UserspaceProbe.host().probe(); // probed once: neither the kernel nor Yama changes under us
        if (availability.available()) {
            try {
                stub = StubBinary.extract(stubParent);
            } catch (CheckpointException e) {
                LOG.error("restore disabled: {}", e.getMessage());
            }
        }
    }

    @Deactivate
    void deactivate() {
        if (stub != null) {
            stub.close();
        }
    }

    @Override
    public String name() {
        return NAME_VALUE;
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        if (!availability.available()) {
            return EnumSet.noneOf(BackendCapability.class);
        }
        EnumSet<BackendCapability> c = EnumSet.of(BackendCapability.UNPRIVILEGED, BackendCapability.CONTINUE_AFTER_CHECKPOINT,
                BackendCapability.KILL_AFTER_CHECKPOINT, BackendCapability.PROCESS_TREES, BackendCapability.PIPES);
        if (stub != null) {
            c.add(BackendCapability.RESTORE);
        }
        return c;
    }

    /**
     * Runs the job under quiesce-init, in a PID namespace of its own (and a user namespace when unprivileged, where
     * the job runs as uid 0 mapped to the launching user), so a restart can give every process its PID back. The
     * spawned root is the outer init; it ends with the job's exit status and forwards signals to it.
     */
    @Override
    public LaunchSpec prepareLaunch(LaunchSpec spec) throws CheckpointException {
        if (stub == null) {
            return spec; // no restore possible anyway: leave the job as it is
        }
        String init = stub.initPath().toString();
        if (spec.argv().get(0).equals(init)) {
            return spec;
        }
        List<String> argv = new ArrayList<>(List.of(init, "run", "--"));
        argv.addAll(spec.argv());
        return spec.withArgv(argv);
    }

    @Override
    public CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
        if (!availability.available()) {
            throw new NotSupportedException("backend 'userspace' is unavailable on this host: " + availability.reason());
        }
        return new UserspaceCheckpointSession(job, PROC);
    }

    @Override
    public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
        if (!availability.available()) {
            throw new NotSupportedException("backend 'userspace' is unavailable on this host: " + availability.reason());
        }
        if (stub == null) {
            throw new NotSupportedException("backend 'userspace' cannot restore: its stub could not be extracted (see the log)");
        }
        return new UserspaceRestoreSession(imageFolder, options, PROC, stub.path(), stub.initPath());
    }
}
