package io.quiesce.coordinator;

import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointHook;
import io.quiesce.api.CheckpointInfo;
import io.quiesce.api.CheckpointRequest;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.CheckpointService;
import io.quiesce.api.Fabric;
import io.quiesce.api.HostJob;
import io.quiesce.api.JobInfo;
import io.quiesce.api.JobState;
import io.quiesce.api.LaunchRequest;
import io.quiesce.api.LaunchSpec;
import io.quiesce.api.NoSuchJobException;
import io.quiesce.api.PlatformStatus;
import io.quiesce.api.PluginInfo;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.RestartResult;
import io.quiesce.api.UnavailableException;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.process.Spawner;
import io.quiesce.process.ProcFs;
import io.quiesce.process.ProcStat;
import io.quiesce.coordinator.store.CheckpointStore;
import io.quiesce.coordinator.store.ImageSeal;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.ImageFields;
import io.quiesce.coordinator.store.ManifestCodec;
import io.quiesce.api.home.HomeFiles;
import io.quiesce.api.image.SecureFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's checkpoint service: the job registry, and the coordinator that drives the quiesce protocol
 * ({@link CheckpointProtocol}) over the hosts' agents; on the embedded single-host default, one {@link LocalAgent}. Backends, fabrics and hooks are bound
 * dynamically; each operation takes a snapshot of them when it starts and keeps it to the end.
 */
@Component(service = CheckpointService.class, immediate = true, configurationPid = "io.quiesce.coordinator")
@Designate(ocd = CoordinatorConfig.class)
public class Coordinator implements CheckpointService {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final String JOB_FILE = "job.json";
    private static final int JOB_FILE_MAX = 1 << 20;
    /** The key that seals this home's checkpoints (HMAC-SHA256), 0600, made at first use. */
    static final String IMAGE_KEY = "image.key";
    /** Job IDs in numeric order where they are numbers (this platform's), then the others (from foreign images) by name. */
    static final Comparator<String> ID_ORDER = Comparator.<String, Boolean>comparing(id -> !isNumeric(id))
            .thenComparing(id -> isNumeric(id) ? String.format("%019d", Long.parseLong(id)) : id);

    private final Plugins<CheckpointBackend> backends = new Plugins<>(CheckpointBackend::name);
    private final Plugins<Fabric> fabrics = new Plugins<>(Fabric::name);
    private final Plugins<CheckpointHook> hooks = new Plugins<>(h -> h.getClass().getName());
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final ProcFs proc = new ProcFs(Path.of("/proc"));

    private volatile CoordinatorConfig config;
    private volatile CheckpointStore store;
    private BundleContext context;
    private Path home;
    private Path jobsFolder;
    private ChildReaper reaper;
    private CheckpointProtocol protocol;
    private Watchdog watchdog;
    private ExecutorService phases;
    private volatile ClusterMembership cluster;
    private String clusterSettings = "";

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindBackend(CheckpointBackend backend, Map<String, Object> props) {
        backends.add(backend, props, CheckpointBackend.NAME);
    }

    void unbindBackend(CheckpointBackend backend) {
        backends.remove(backend);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFabric(Fabric fabric, Map<String, Object> props) {
        fabrics.add(fabric, props, Fabric.NAME);
    }

    void unbindFabric(Fabric fabric) {
        fabrics.remove(fabric);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindHook(CheckpointHook hook, Map<String, Object> props) {
        hooks.add(hook, props, "name");
    }

    void unbindHook(CheckpointHook hook) {
        hooks.remove(hook);
    }

    @Activate
    void activate(BundleContext ctx, CoordinatorConfig cfg) throws IOException {
        context = ctx;
        home = Home.resolve();
        jobsFolder = HomeFiles.folder(home.resolve("jobs"));
        HomeFiles.folder(home.resolve("deploy"));
        modified(cfg);
        reaper = new ChildReaper();
        watchdog = new Watchdog(() -> config.freezeDeadlineSeconds());
        phases = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "quiesce-phase");
            t.setDaemon(true);
            return t;
        });
        protocol = new CheckpointProtocol(phases, () -> config.phaseTimeoutSeconds());
        loadJobs();
        cluster();
        LOG.info("coordinator ready: home {}, store {}", home, store.root());
    }

    @Modified
    void modified(CoordinatorConfig cfg) throws IOException {
        config = cfg;
        Path root = cfg.store().isBlank() ? HomeFiles.folder(home.resolve("store")) : HomeFiles.root(Path.of(cfg.store()));
        store = new CheckpointStore(root, new ImageSeal(home.resolve(IMAGE_KEY)));
        for (Path stale : store.discardStaleStaging()) {
            LOG.warn("removed an incomplete checkpoint left by an interrupted run: {}", stale);
        }
        if (reaper != null) { // a change after activation
            cluster();
        }
    }

    /**
     * (Re)starts this platform's cluster role from the settings: the configuration, unless {@code bin/quiesce start
     * --listen/--join} gave them for this run (framework properties {@code quiesce.listen}, {@code quiesce.join}).
     */
    private synchronized void cluster() {
        String listen = setting("quiesce.listen", config.listen());
        String join = setting("quiesce.join", config.join());
        String settings = listen + "|" + join + "|" + hostName();
        if (cluster != null && settings.equals(clusterSettings)) {
            return;
        }
        if (cluster != null) {
            cluster.close();
        }
        clusterSettings = settings;
        cluster = new ClusterMembership(home, identity(), listen, join, io.quiesce.cluster.Timing.DEFAULT,
                () -> status().running());
    }

    private String setting(String property, String configured) {
        String p = context == null ? System.getProperty(property) : context.getProperty(property);
        return p != null && !p.isBlank() ? p.trim() : configured.trim();
    }

    private io.quiesce.cluster.Identity identity() {
        String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        String version = context == null ? "0.0.0" : context.getBundle().getVersion().toString();
        return new io.quiesce.cluster.Identity(hostName(), user.length() > 32 ? user.substring(0, 32) : user, version);
    }

    /** A host name as the cluster protocol accepts it: the first label of a long name, odd characters replaced. */
    static String clusterName(String host) {
        String n = host.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
        if (n.length() > 63) {
            n = n.substring(0, 63);
        }
        return n.isEmpty() ? "localhost" : n;
    }

    @Override
    public List<io.quiesce.api.HostInfo> hosts() {
        return cluster.hosts(context.getBundle().getVersion().toString());
    }

    @Deactivate
    void deactivate() {
        if (cluster != null) {
            cluster.close();
        }
        phases.shutdown();
        watchdog.close();
        reaper.close();
    }

    // ---- jobs -------------------------------------------------------------------------------------------------

    @Override
    public JobInfo launch(LaunchRequest request) throws CheckpointException {
        String name = request.name();
        if (name != null) {
            checkName(name);
        }
        CheckpointBackend backend = null;
        if (request.backend() != null) {
            backend = usableBackend(request.backend()).service();
        } else {
            Optional<Plugins.Bound<CheckpointBackend>> sel = selectedBackend();
            if (sel.isPresent()) {
                backend = sel.get().service();
            }
        }
        String id;
        Path folder;
        synchronized (jobs) {
            id = nextJobId();
            try {
                folder = SecureFiles.folder(jobsFolder.resolve(id));
            } catch (IOException e) {
                throw new CheckpointException("cannot create job folder " + jobsFolder.resolve(id) + ": " + e.getMessage(), e);
            }
            jobs.put(id, new Job(new JobRecord(id, name == null ? id : name, request.argv(), Instant.now().toString(),
                    backend == null ? null : backend.name(), -1, 0, null, false), folder));
        }
        Job job = jobs.get(id);
        try {
            Path cwd = request.workingDir() != null ? request.workingDir() : Path.of(System.getProperty("user.dir"));
            Map<String, String> env = new HashMap<>(request.environment() != null ? request.environment() : System.getenv());
            env.put("QUIESCE_JOB", id);
            Path out = request.stdout() != null ? cwd.resolve(request.stdout()) : folder.resolve("output.log");
            Path err = request.stderr() != null ? cwd.resolve(request.stderr()) : out;
            LaunchSpec spec = new LaunchSpec(request.argv(), env, cwd, out, err);
            if (backend != null) {
                spec = backend.prepareLaunch(spec);
            }
            long pid = Spawner.spawn(spec);
            long start = proc.stat(pid).map(ProcStat::startTime).orElse(0L);
            job.update(r -> r.running(r.backend(), pid, start));
            reaper.watch(pid, status -> exited(job, status));
            save(job);
            LOG.info("launched job {} ({}) as PID {}: {}", id, job.record().name(), pid, String.join(" ", request.argv()));
            return info(job);
        } catch (CheckpointException | RuntimeException e) {
            jobs.remove(id);
            deleteQuietly(folder);
            throw e;
        }
    }

    private void checkName(String name) throws CheckpointException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new CheckpointException("invalid job name '" + name + "': use letters, digits, '.', '_' and '-' (at most 64)");
        }
        if (name.chars().allMatch(Character::isDigit)) {
            throw new CheckpointException("invalid job name '" + name + "': all digits would be taken for a job ID");
        }
        for (Job j : jobs.values()) {
            JobState s = info(j).state();
            if (j.record().name().equals(name) && (s == JobState.RUNNING || s == JobState.BUSY || s == JobState.CHECKPOINTED)) {
                throw new CheckpointException("a job named '" + name + "' exists already (ID " + j.id() + ", " + s.name().toLowerCase() + ")");
            }
        }
    }

    private String nextJobId() {
        long max = 0;
        try (Stream<Path> s = Files.list(jobsFolder)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (isNumeric(n)) {
                    max = Math.max(max, Long.parseLong(n));
                }
            }
        } catch (IOException e) {
            // the in-memory IDs below still keep IDs unique
        }
        for (String id : jobs.keySet()) {
            if (isNumeric(id)) {
                max = Math.max(max, Long.parseLong(id));
            }
        }
        return Long.toString(max + 1);
    }

    private void exited(Job job, int status) {
        job.update(r -> r.exited(status));
        save(job);
        LOG.info("job {} root PID {} ended with status {}", job.id(), job.record().rootPid(), status);
    }

    @Override
    public List<JobInfo> jobs() {
        return jobs.values().stream().sorted(Comparator.comparing(Job::id, ID_ORDER)).map(this::info).toList();
    }

    @Override
    public JobInfo job(String idOrName) throws NoSuchJobException {
        return info(find(idOrName));
    }

    Job find(String idOrName) throws NoSuchJobException {
        if (idOrName == null || idOrName.isBlank()) {
            throw new NoSuchJobException("no job named: give a job ID or name");
        }
        Job byId = jobs.get(idOrName);
        if (byId != null) {
            return byId;
        }
        return jobs.values().stream().filter(j -> j.record().name().equals(idOrName))
                .max(Comparator.comparing(Job::id, ID_ORDER))
                .orElseThrow(() -> new NoSuchJobException("no job '" + idOrName + "' (see jobs)"));
    }

    JobInfo info(Job job) {
        JobRecord r = job.record();
        List<Long> pids = r.rootPid() > 0 ? proc.tree(r.rootPid(), r.rootStartTime()) : List.of();
        JobState state;
        if (job.busy()) {
            state = JobState.BUSY;
        } else if (!pids.isEmpty()) {
            state = JobState.RUNNING;
        } else if (r.checkpointed()) {
            state = JobState.CHECKPOINTED;
        } else if (r.exitStatus() != null) {
            state = JobState.EXITED;
        } else {
            state = JobState.LOST;
        }
        long epochs = store.list(r.id()).size();
        return new JobInfo(r.id(), r.name(), state, pids.isEmpty() ? -1 : r.rootPid(), pids, r.argv(), Instant.parse(r.started()),
                job.folder, r.backend(), state == JobState.EXITED ? r.exitStatus() : null, epochs);
    }

    private void save(Job job) {
        try {
            SecureFiles.write(job.folder.resolve(JOB_FILE), ManifestCodec.JSON.writeValueAsBytes(job.record()));
        } catch (IOException e) {
            LOG.warn("cannot save job {} state in {}: {}", job.id(), job.folder, e.getMessage());
        }
    }

    private void loadJobs() {
        try (Stream<Path> s = Files.list(jobsFolder)) {
            for (Path folder : (Iterable<Path>) s::iterator) {
                Path file = folder.resolve(JOB_FILE);
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    JobRecord r = readJob(folder, file);
                    Job job = new Job(r, folder);
                    jobs.put(r.id(), job);
                    if (r.rootPid() > 0 && !proc.tree(r.rootPid(), r.rootStartTime()).isEmpty()) {
                        reaper.watch(r.rootPid(), status -> exited(job, status));
                    }
                } catch (ImageException e) {
                    LOG.warn("ignoring job state that cannot be used: {}", e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list jobs in {}: {}", jobsFolder, e.getMessage());
        }
    }

    /** @return a registry entry, checked: a bad one is skipped with a warning, never fatal to the registry */
    private static JobRecord readJob(Path folder, Path file) throws ImageException {
        JobRecord r;
        try {
            r = ManifestCodec.JSON.readValue(HomeFiles.read(file, JOB_FILE_MAX, false), JobRecord.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ImageException("not a job record (" + ManifestCodec.describe(e) + ")", file);
        } catch (IOException | RuntimeException e) {
            throw new ImageException("not a job record (" + ImageFields.parserFailure(e) + ")", file);
        }
        if (r == null) {
            throw new ImageException("empty job record", file);
        }
        ImageFields.id(r.id(), "id", file);
        ImageFields.id(r.name(), "name", file);
        if (!r.id().equals(folder.getFileName().toString())) {
            throw new ImageException("field 'id' is " + r.id() + " but the record is in the folder of job " + folder.getFileName(), file);
        }
        ImageFields.present(r.argv(), "argv", file);
        try {
            Instant.parse(ImageFields.present(r.started(), "started", file));
        } catch (java.time.format.DateTimeParseException e) {
            throw new ImageException("field 'started' is not an ISO-8601 instant", file);
        }
        return r;
    }

    private static boolean isNumeric(String id) {
        return !id.isEmpty() && id.length() <= 18 && id.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    // ---- checkpoint and restart ------------------------------------------------------------------------------

    @Override
    public CheckpointResult checkpoint(CheckpointRequest request) throws CheckpointException {
        Job job = find(request.job());
        Plugins.Bound<CheckpointBackend> backend = request.backend() != null ? usableBackend(request.backend()) : defaultBackend();
        if (!job.operation.tryLock()) {
            throw new CheckpointException("job " + job.id() + " is busy with another checkpoint or restart");
        }
        try {
            CheckpointResult result = protocol.checkpoint(new CheckpointProtocol.Order(job, List.of(localAgent()), backend.name(),
                    availableFabrics().stream().map(Fabric::name).toList(), request.saveFiles(), request.kill(),
                    hooks.all().stream().map(Plugins.Bound::service).toList(), store, restartLine()));
            if (result.killed()) {
                reaper.forget(job.record().rootPid());
                job.update(JobRecord::checkpointedAndKilled);
                save(job);
            }
            return result;
        } finally {
            job.operation.unlock();
        }
    }

    @Override
    public RestartResult restart(RestartRequest request) throws CheckpointException {
        Path folder = resolveCheckpoint(request.target());
        // every file checked against the manifest, the manifest against this platform's key, before anything else
        ImageSeal.Opened opened = store.seal().open(folder, request.trust());
        Manifest manifest = opened.manifest();
        Plugins.Bound<CheckpointBackend> backend = backends.named(manifest.backend()).orElseThrow(() -> new UnavailableException(
                "checkpoint " + folder + " was made by backend '" + manifest.backend() + "', which is not installed"));
        Availability a = backend.service().availability();
        if (!a.available()) {
            throw new UnavailableException("backend '" + manifest.backend() + "' is unavailable: " + a.reason());
        }
        Job job = jobs.get(manifest.jobId());
        if (job == null) {
            try {
                Path jf = SecureFiles.folder(jobsFolder.resolve(manifest.jobId()));
                job = new Job(new JobRecord(manifest.jobId(), manifest.jobName(), manifest.argv(), Instant.now().toString(),
                        manifest.backend(), -1, 0, null, true), jf);
                jobs.putIfAbsent(manifest.jobId(), job);
                job = jobs.get(manifest.jobId());
            } catch (IOException e) {
                throw new CheckpointException("cannot create job folder for " + manifest.jobId() + ": " + e.getMessage(), e);
            }
        }
        if (!job.operation.tryLock()) {
            throw new CheckpointException("job " + job.id() + " is busy with another checkpoint or restart");
        }
        try {
            JobInfo now = info(job);
            if (!now.pids().isEmpty()) {
                throw new CheckpointException("job " + job.id() + " (" + now.name() + ") is still running as PIDs " + now.pids()
                        + ": stop it (or checkpoint it with --kill) before restarting it");
            }
            for (String f : manifest.fabrics()) {
                if (fabrics.named(f).isEmpty()) {
                    throw new UnavailableException("checkpoint " + folder + " needs fabric '" + f + "', which is not installed");
                }
            }
            Job j = job;
            List<String> notes = new ArrayList<>(opened.warnings());
            JobRecord before = j.record();
            if (before.exitStatus() != null) {
                notes.add("job " + j.id() + " had ended by itself (exit status " + before.exitStatus() + ") after its last run; it is"
                        + " restarted from epoch " + manifest.epoch() + " as asked");
            }
            // every host part is restored by this host's agent (the single-host default has no other)
            HostAgent local = localAgent();
            List<HostRecord> parts = manifest.hosts().isEmpty() ? List.of(new HostRecord(local.host(), List.of(), List.of()))
                    : manifest.hosts();
            RestartResult result = protocol.restart(folder, manifest, parts.stream().map(p -> new CheckpointProtocol.Placement(local, p)).toList(),
                    request, hooks.all().stream().map(Plugins.Bound::service).toList(), notes);
            long root = result.pids().get(0);
            long start = proc.stat(root).map(ProcStat::startTime).orElse(0L);
            j.update(x -> x.running(manifest.backend(), root, start));
            reaper.watch(root, status -> exited(j, status));
            // Restored processes are children of this JVM whatever their saved tree was: reap every one of them.
            result.pids().stream().skip(1).forEach(pid -> reaper.watch(pid, status -> LOG.info("job {} process {} ended with status {}", j.id(), pid, status)));
            save(j);
            return result;
        } finally {
            job.operation.unlock();
        }
    }

    private Path resolveCheckpoint(String target) throws CheckpointException {
        if (target == null || target.isBlank()) {
            throw new NoSuchJobException("name a job or a checkpoint folder");
        }
        Path asPath = Path.of(target);
        if (target.contains("/") || Files.isDirectory(asPath)) {
            Path p = asPath.toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new NoSuchJobException("no checkpoint folder " + p);
            }
            return p;
        }
        String id = jobIdWithCheckpoints(target);
        return store.latest(id).orElseThrow(() -> new NoSuchJobException("job " + id + " has no committed checkpoint"));
    }

    /**
     * A job known to this platform by ID or name, or a job ID that only the store knows (checkpoints copied from
     * another home, or of jobs from before a platform reset).
     */
    private String jobIdWithCheckpoints(String idOrName) throws NoSuchJobException {
        try {
            return find(idOrName).id();
        } catch (NoSuchJobException e) {
            if (store.jobs().contains(idOrName)) {
                return idOrName;
            }
            throw new NoSuchJobException("no job or checkpoint folder '" + idOrName + "'");
        }
    }

    @Override
    public List<CheckpointInfo> checkpoints(String idOrName) throws NoSuchJobException {
        if (idOrName != null) {
            return store.list(jobIdWithCheckpoints(idOrName));
        }
        return store.jobs().stream().flatMap(j -> store.list(j).stream()).toList();
    }

    @Override
    public Manifest inspect(String checkpoint) throws CheckpointException {
        Path folder = resolveCheckpoint(checkpoint);
        return ManifestCodec.read(folder.resolve(ImageFormat.MANIFEST));
    }

    @Override
    public Path storeFolder(String jobId) {
        return store.jobFolder(jobId);
    }

    private String restartLine() {
        String bin = System.getProperty("quiesce.bin");
        return "exec " + (bin == null ? "quiesce" : "'" + bin.replace("'", "'\\''") + "'") + " restart \"$DIR\"";
    }

    // ---- this host's agent -----------------------------------------------------------------------------------

    /** @return the agent of this host, on the current store and plug-ins */
    HostAgent localAgent() {
        return new LocalAgent(hostName(), new LocalAgent.Platform() {
            @Override
            public CheckpointBackend backend(String name) throws CheckpointException {
                return usableBackend(name).service();
            }

            @Override
            public Fabric fabric(String name) throws CheckpointException {
                Fabric f = fabrics.named(name).map(Plugins.Bound::service).orElseThrow(() -> new UnavailableException(
                        "fabric '" + name + "' is not installed"));
                Availability a = f.availability();
                if (!a.available()) {
                    throw new UnavailableException("fabric '" + name + "' is unavailable: " + a.reason());
                }
                return f;
            }

            @Override
            public HostJob piece(String jobId, boolean saveFiles) throws CheckpointException {
                Job job = find(jobId);
                JobRecord r = job.record();
                List<Long> pids = r.rootPid() > 0 ? proc.tree(r.rootPid(), r.rootStartTime()) : List.of();
                if (pids.isEmpty()) {
                    throw new CheckpointException("job " + r.id() + " (" + r.name() + ") has no running process to checkpoint");
                }
                return new HostJob(r.id(), r.name(), r.rootPid(), pids, job.folder, saveFiles);
            }

            @Override
            public Path jobFolder(String jobId, String jobName) throws CheckpointException {
                return find(jobId).folder;
            }
        }, store, reaper, watchdog);
    }

    /** @return the name this host is known by: configured, or the system's */
    String hostName() {
        String configured = setting("quiesce.host", config.host());
        if (!configured.isBlank()) {
            return clusterName(configured);
        }
        try {
            return clusterName(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            return "localhost";
        }
    }

    // ---- plug-ins ----------------------------------------------------------------------------------------------

    private Optional<Plugins.Bound<CheckpointBackend>> selectedBackend() {
        String configured = config.backend();
        if (!configured.isBlank()) {
            return backends.named(configured).filter(b -> b.service().availability().available());
        }
        return backends.all().stream().filter(b -> b.service().availability().available()).findFirst();
    }

    private Plugins.Bound<CheckpointBackend> defaultBackend() throws CheckpointException {
        String configured = config.backend();
        if (!configured.isBlank()) {
            return usableBackend(configured);
        }
        return selectedBackend().orElseThrow(() -> new UnavailableException(backends.all().isEmpty()
                ? "no checkpoint backend is installed"
                : "no checkpoint backend is available on this host (see backends for each one's reason)"));
    }

    private Plugins.Bound<CheckpointBackend> usableBackend(String name) throws CheckpointException {
        Plugins.Bound<CheckpointBackend> b = backends.named(name).orElseThrow(() -> new UnavailableException(
                "backend '" + name + "' is not installed (installed: " + String.join(", ", backends.all().stream().map(Plugins.Bound::name).toList()) + ")"));
        Availability a = b.service().availability();
        if (!a.available()) {
            throw new UnavailableException("backend '" + name + "' is unavailable: " + a.reason());
        }
        return b;
    }

    private List<Fabric> availableFabrics() {
        return fabrics.all().stream().map(Plugins.Bound::service).filter(f -> f.availability().available()).toList();
    }

    @Override
    public List<PluginInfo> backends() {
        String selected = selectedBackend().map(Plugins.Bound::name).orElse(null);
        return backends.all().stream().map(b -> {
            Availability a = b.service().availability();
            List<String> caps = a.available() ? b.service().capabilities().stream().map(BackendCapability::name).sorted().toList() : List.of();
            return new PluginInfo(b.name(), a.available(), a.reason(), b.ranking(), b.name().equals(selected), bundleName(b.bundleId()), caps);
        }).toList();
    }

    @Override
    public List<PluginInfo> fabrics() {
        return fabrics.all().stream().map(f -> {
            Availability a = f.service().availability();
            return new PluginInfo(f.name(), a.available(), a.reason(), f.ranking(), false, bundleName(f.bundleId()), List.of());
        }).toList();
    }

    private String bundleName(long id) {
        Bundle b = context.getBundle(id);
        return b == null ? "?" : b.getSymbolicName();
    }

    @Override
    public PlatformStatus status() {
        List<JobInfo> all = jobs();
        int running = (int) all.stream().filter(j -> j.state() == JobState.RUNNING || j.state() == JobState.BUSY).count();
        return new PlatformStatus(context.getBundle().getVersion().toString(), home, store.root(),
                selectedBackend().map(Plugins.Bound::name).orElse(null), all.size(), running, ProcessHandle.current().pid());
    }

    private static void deleteQuietly(Path folder) {
        try {
            SecureFiles.deleteTree(folder);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", folder, e.getMessage());
        }
    }
}
