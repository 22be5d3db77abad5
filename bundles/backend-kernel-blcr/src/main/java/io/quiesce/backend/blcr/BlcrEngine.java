package io.quiesce.backend.blcr;

import io.quiesce.process.ProcFs;
import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.HostJob;
import io.quiesce.api.HostProbe;
import io.quiesce.api.ImageException;
import io.quiesce.api.LaunchSpec;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.UnavailableException;
import io.quiesce.backend.blcr.linux.LibCr;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The BLCR backend without OSGi: every host-specific piece (control file, libcr, cr_restart, /proc, environment)
 * comes in through {@link Settings}, so tests run it against an ABI double of libcr and a scripted cr_restart.
 */
final class BlcrEngine {
    /** The preload library of {@code cr_run}: loads libcr into a job so BLCR can checkpoint it. */
    static final String RUN_PRELOAD = "libcr_run.so.0";

    /**
     * Where BLCR's pieces are and how requests behave.
     *
     * @param ctrl                  BLCR's control file ({@code /proc/checkpoint/ctrl})
     * @param library               libcr's file, or empty when not installed
     * @param crRestart             the cr_restart program, or empty when not found
     * @param kernel                the kernel release
     * @param timeoutSeconds        BLCR's cr_timeout; 0 = unbounded
     * @param graceMillis           how long past the timeout to wait for the kernel before abandoning the request
     * @param saveAll               true to request {@code CR_CHKPT_DUMP_ALL}
     * @param restoreTimeoutSeconds how long a restart may take
     * @param env                   cr_restart's environment
     * @param proc                  the proc file system's root
     */
    record Settings(Path ctrl, Optional<Path> library, Optional<Path> crRestart, String kernel, int timeoutSeconds, long graceMillis,
            boolean saveAll, int restoreTimeoutSeconds, Map<String, String> env, Path proc) {
        /** Copies the environment. */
        Settings {
            env = Map.copyOf(env);
        }
    }

    private final Settings settings;
    private final Availability availability;
    private final ProcFs proc;
    private LibCr cr;

    /** @param settings where BLCR's pieces are */
    BlcrEngine(Settings settings) {
        this.settings = settings;
        this.availability = new BlcrProbe(settings.ctrl(), settings.library(), settings.kernel()).probe();
        this.proc = new ProcFs(settings.proc());
    }

    /**
     * @param cfg the component's configuration
     * @return settings for this host
     */
    static Settings host(BlcrConfig cfg) {
        Optional<Path> library = cfg.library().isBlank() ? BlcrProbe.host().library() : Optional.of(Path.of(cfg.library()));
        return new Settings(BlcrProbe.CTRL, library, findProgram(cfg.crRestart(), System.getenv("PATH")), HostProbe.kernelRelease(),
                cfg.timeoutSeconds(), 10_000, cfg.saveAll(), cfg.restoreTimeoutSeconds(), System.getenv(), Path.of("/proc"));
    }

    /**
     * @param name a program name or path
     * @param path a PATH value, or null
     * @return the executable file, or empty when there is none
     */
    static Optional<Path> findProgram(String name, String path) {
        if (name.contains("/")) {
            Path p = Path.of(name).toAbsolutePath();
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String dirs = path == null || path.isEmpty() ? "/usr/local/bin:/usr/bin:/bin" : path;
        for (String d : dirs.split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, name).toAbsolutePath();
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    Availability availability() {
        return availability;
    }

    Set<BackendCapability> capabilities() {
        if (!availability.available()) {
            return EnumSet.noneOf(BackendCapability.class);
        }
        EnumSet<BackendCapability> caps = EnumSet.of(BackendCapability.CONTINUE_AFTER_CHECKPOINT, BackendCapability.KILL_AFTER_CHECKPOINT,
                BackendCapability.MULTI_THREADED, BackendCapability.PROCESS_TREES, BackendCapability.PIPES,
                BackendCapability.NEEDS_LAUNCH_PREPARATION);
        if (settings.crRestart().isPresent()) {
            caps.add(BackendCapability.RESTORE);
            caps.add(BackendCapability.RESTORE_PIDS);
        }
        return caps;
    }

    /**
     * cr_run's semantics: {@value #RUN_PRELOAD} first in LD_PRELOAD, any other libcr_run or libcr_omit removed, other
     * entries kept in order.
     *
     * @param spec the job as asked
     * @return the job with libcr preloaded
     */
    static LaunchSpec prepareLaunch(LaunchSpec spec) {
        List<String> preload = new ArrayList<>(List.of(RUN_PRELOAD));
        String old = spec.environment().get("LD_PRELOAD");
        if (old != null) {
            for (String entry : old.split("[: ]")) {
                String base = entry.substring(entry.lastIndexOf('/') + 1);
                if (!entry.isEmpty() && !base.startsWith("libcr_run.so") && !base.startsWith("libcr_omit.so")) {
                    preload.add(entry);
                }
            }
        }
        Map<String, String> env = new HashMap<>(spec.environment());
        env.put("LD_PRELOAD", String.join(":", preload));
        return spec.withEnvironment(env);
    }

    CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
        if (!availability.available()) {
            throw new UnavailableException("backend 'blcr' is unavailable: " + availability.reason());
        }
        if (proc.stat(job.rootPid()).filter(s -> !s.dead()).isEmpty()) {
            throw new CheckpointException("job " + job.jobId() + ": process " + job.rootPid() + " no longer exists", job.rootPid(), "ESRCH",
                    null, null);
        }
        int flags = settings.saveAll() ? LibCr.CR_CHKPT_DUMP_ALL : 0;
        return new BlcrCheckpoint(libcr(), job, proc, settings.timeoutSeconds(), settings.graceMillis(), flags, settings.kernel());
    }

    RestoreSession openRestore(Path folder, RestoreOptions options) throws CheckpointException {
        if (!availability.available()) {
            throw new UnavailableException("backend 'blcr' is unavailable: " + availability.reason());
        }
        Path crRestart = settings.crRestart().orElseThrow(() -> new NotSupportedException(
                "backend 'blcr' cannot restart: the cr_restart program was not found (configure crRestart of io.quiesce.backend.blcr)"));
        BlcrImage image = BlcrImage.read(folder);
        Path context = folder.resolve(image.context());
        if (!Files.isReadable(context)) {
            throw new ImageException("BLCR context file missing or unreadable", context);
        }
        BlcrRestore.relocations(options.relocations()); // reject bad relocations before anything starts
        return new BlcrRestore(crRestart, settings.env(), proc, folder, image, options, settings.restoreTimeoutSeconds());
    }

    private synchronized LibCr libcr() throws CheckpointException {
        if (cr == null) {
            Path lib = settings.library().orElseThrow(() -> new UnavailableException("backend 'blcr': " + LibCr.SONAME + " is not installed"));
            try {
                cr = LibCr.load(lib);
            } catch (UnsatisfiedLinkError e) {
                throw new UnavailableException("backend 'blcr': cannot load " + lib + ": " + e.getMessage());
            }
        }
        return cr;
    }
}
