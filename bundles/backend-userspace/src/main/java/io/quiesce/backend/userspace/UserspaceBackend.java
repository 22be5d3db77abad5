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
import java.util.Map;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.process.Spawner;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace checkpointer: ptrace and /proc from Java, no kernel module, no LD_PRELOAD, no root. This version
 * checkpoints jobs made of single-threaded processes (trees of them; regular files, character devices, pipes and
 * FIFOs as descriptors). Jobs launched through {@link #prepareLaunch} run under quiesce-init in a PID namespace
 * of their own and get every PID back at restart; others are restored with new PIDs where the engine cannot
 * choose them.
 */
@Component(immediate = true, property = { CheckpointBackend.NAME + "=" + UserspaceBackend.NAME_VALUE, "service.ranking:Integer=100" })
public class UserspaceBackend implements CheckpointBackend {
    /** This backend's name. */
    static final String NAME_VALUE = "userspace";
    private static final Logger LOG = LoggerFactory.getLogger(UserspaceBackend.class);
    private static final Path PROC = Path.of("/proc");

    private Availability availability;
    private StubBinary stub;
    private Boolean namespaces;

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
                BackendCapability.KILL_AFTER_CHECKPOINT, BackendCapability.PROCESS_TREES, BackendCapability.PIPES,
                BackendCapability.FABRIC_ACCESS);
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
        if (stub == null || !namespacesWork()) {
            return spec; // no restore, or no namespaces here: the job runs as it is and restarts with new PIDs
        }
        String init = stub.initPath().toString();
        if (spec.argv().get(0).equals(init)) {
            return spec;
        }
        List<String> argv = new ArrayList<>(List.of(init, "run", "--"));
        argv.addAll(spec.argv());
        return spec.withArgv(argv);
    }

    /** Runs {@code quiesce-init probe} once: can this user make a PID (and user) namespace here? */
    private synchronized boolean namespacesWork() {
        if (namespaces == null) {
            try {
                Path out = Path.of("/dev/null");
                int pid = (int) Spawner.spawn(new LaunchSpec(List.of(stub.initPath().toString(), "probe"), Map.of(), Path.of("/"), out,
                        out));
                int[] st = new int[1];
                int rc = LibC.INSTANCE.waitpid(pid, st, 0);
                namespaces = rc == pid && st[0] == 0;
            } catch (CheckpointException | RuntimeException e) {
                LOG.warn("cannot probe for PID namespaces: {}", e.getMessage());
                namespaces = false;
            }
            if (!namespaces) {
                LOG.warn("jobs run without a PID namespace of their own (quiesce-init probe failed: user or PID namespaces are "
                        + "not available to this user); restarted processes get new PIDs");
            }
        }
        return namespaces;
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
