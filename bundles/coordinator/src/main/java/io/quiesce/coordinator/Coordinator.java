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
import io.quiesce.api.RemoteExec;
import io.quiesce.api.RemoteExecRequest;
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
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
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
    /** How long a new piece (a launch on a host, a remote exec's relay) waits for another operation on its job. */
    static final int PIECE_WAIT_SECONDS = 30;
    private ChildReaper reaper;
    private CheckpointProtocol protocol;
    private Watchdog watchdog;
    private ExecutorService phases;
    private volatile ClusterMembership cluster;
    private volatile AgentRequests agentRequests;
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
        if (agentRequests != null) {
            agentRequests.close();
        }
        clusterSettings = settings;
        AgentRequests requests = new AgentRequests(hostName(), () -> localAgent(true), () -> store, new AgentPieces(),
                () -> config.leaseSeconds());
        agentRequests = requests;
        cluster = new ClusterMembership(home, identity(), listen, join, io.quiesce.cluster.Timing.DEFAULT,
                () -> status().running(), (link, op, body) -> op.equals("cp.decision") ? decision(link, body)
                        : op.equals("job.rexec-ask") ? rexecAsk(link, body) : requests.handle(link, op, body),
                link -> {
                    link.onNotice("cp.renew", requests::renew);
                    requests.recover(link);
                });
    }

    /**
     * Two-phase commit, a coordinator's side of recovery: an agent asks what became of an epoch it voted for.
     * Committed exactly when this store holds the epoch's manifest listing that agent's part; pending while the job
     * is in a checkpoint here; otherwise aborted (never committed: the coordinator stopped first, or aborted).
     */
    private com.fasterxml.jackson.databind.node.ObjectNode decision(io.quiesce.cluster.Link link,
            com.fasterxml.jackson.databind.node.ObjectNode body) throws CheckpointException {
        String jobId = Wire.name(body.get("job"), "job");
        long epoch = Wire.epoch(body.get("epoch"));
        String agent = link.peer().host();
        String decision = "aborted";
        Path manifest = store.jobFolder(jobId).resolve(Long.toString(epoch)).resolve(ImageFormat.MANIFEST);
        if (Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Manifest m = ManifestCodec.read(manifest);
                if (m.hosts().stream().anyMatch(h -> h.host().equals(agent))) {
                    decision = "committed";
                    com.fasterxml.jackson.databind.node.ObjectNode out = Wire.object().put("decision", decision);
                    out.set("manifest", ManifestCodec.JSON.valueToTree(m));
                    LOG.info("host {} asked about job {} epoch {}: committed", agent, jobId, epoch);
                    return out;
                }
            } catch (ImageException e) {
                LOG.warn("cannot tell host {} about job {} epoch {}: {}", agent, jobId, epoch, e.getMessage());
                decision = "pending";
            }
        } else {
            Job job = jobs.get(jobId);
            if (job != null && job.busy()) {
                decision = "pending";
            }
        }
        LOG.info("host {} asked about job {} epoch {}: {}", agent, jobId, epoch, decision);
        return Wire.object().put("decision", decision);
    }

    /** @return the link of a host's agent, up, or an error saying why it cannot be used */
    private io.quiesce.cluster.Link agentLink(String host) throws CheckpointException {
        ClusterMembership c = cluster;
        return c.agent(host).orElseThrow(() -> new UnavailableException("host " + host + ": " + c.whyNot(host)));
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
        if (agentRequests != null) {
            agentRequests.close();
        }
        phases.shutdown();
        watchdog.close();
        reaper.close();
    }

    // ---- jobs -------------------------------------------------------------------------------------------------

    @Override
    public JobInfo launch(LaunchRequest request) throws CheckpointException {
        String name = request.name();
        if (name != null && request.job() == null) {
            checkName(name);
        }
        String host = request.host() == null || request.host().isBlank() || request.host().equals(hostName()) ? null : request.host();
        io.quiesce.cluster.Link link = host == null ? null : agentLink(host);
        CheckpointBackend backend = null;
        if (request.backend() != null) {
            backend = usableBackend(request.backend()).service();
        } else if (host == null) {
            Optional<Plugins.Bound<CheckpointBackend>> sel = selectedBackend();
            if (sel.isPresent()) {
                backend = sel.get().service();
            }
        }
        Job job;
        boolean created = request.job() == null;
        if (created) {
            job = newJob(name, request.argv(), backend == null ? null : backend.name(), null);
        } else {
            job = find(request.job());
            checkNewPiece(job, host);
        }
        awaitOperation(job, "launch its piece");
        try {
            if (host == null) {
                spawn(job, request, backend);
            } else {
                com.fasterxml.jackson.databind.node.ObjectNode body = Wire.object().put("id", job.id()).put("name", job.record().name());
                body.put("cwd", request.workingDir() == null ? null : request.workingDir().toString());
                request.argv().forEach(body.putArray("argv")::add);
                long pid;
                try {
                    pid = link.call("job.launch", body, java.time.Duration.ofSeconds(30)).path("rootPid").asLong(-1);
                } catch (io.quiesce.cluster.ClusterException e) {
                    throw new CheckpointException("cannot launch on host " + host + ": " + e.getMessage(), e);
                }
                job.update(r -> r.withHost(host));
                save(job);
                LOG.info("launched a piece of job {} ({}) on host {} as PID {}: {}", job.id(), job.record().name(), host, pid,
                        String.join(" ", request.argv()));
            }
        } catch (CheckpointException | RuntimeException e) {
            if (created) {
                jobs.remove(job.id());
                deleteQuietly(job.folder);
            }
            throw e;
        } finally {
            job.operation.unlock();
        }
        return info(job);
    }

    @Override
    public RemoteExec remoteExec(RemoteExecRequest request) throws CheckpointException {
        Job job = find(request.job());
        JobRecord r = job.record();
        // the requester gives its PID as it sees it: in the job's own PID namespace (under quiesce-init) another one
        long asked = request.requesterPid();
        if (processes(r).stream().noneMatch(p -> p == asked || proc.ownPid(p).orElse(-1) == asked)) {
            throw new CheckpointException("PID " + request.requesterPid() + " is not a process of job " + r.id() + " (" + r.name()
                    + ") on host " + hostName());
        }
        String host = request.host();
        if (host.equals(hostName()) || host.equals("localhost")) {
            return new RemoteExec(hostName(), true, null, -1);
        }
        if (r.coordinator() != null) {
            return askCoordinator(r, request);
        }
        io.quiesce.cluster.Link link = agentLink(host);
        java.net.InetSocketAddress back = link.localAddress();
        if (back == null) {
            throw new UnavailableException("host " + host + ": its link has no address to connect back to");
        }
        return startRelay(job, host, request.command(), back.getAddress().getHostAddress(), request.port(),
                "PID " + asked + " of job " + r.id() + " (" + r.name() + ")");
    }

    /** On an agent: a launcher in a piece here asks the coordinator, which owns the job, to start the command. */
    private RemoteExec askCoordinator(JobRecord r, RemoteExecRequest request) throws CheckpointException {
        ClusterMembership c = cluster;
        io.quiesce.cluster.Link up = c == null ? null : c.coordinatorLink();
        if (up == null) {
            throw new UnavailableException("job " + r.id() + " (" + r.name() + ") belongs to the coordinator " + r.coordinator()
                    + ", which host " + hostName() + " cannot reach now: cannot start a command on host " + request.host());
        }
        com.fasterxml.jackson.databind.node.ObjectNode body = Wire.object().put("id", r.id()).put("host", request.host())
                .put("command", request.command()).put("port", request.port());
        com.fasterxml.jackson.databind.node.ObjectNode reply;
        try {
            // the coordinator may wait for the job's lock, then for the target's agent
            reply = up.call("job.rexec-ask", body, java.time.Duration.ofSeconds(PIECE_WAIT_SECONDS + 60));
        } catch (io.quiesce.cluster.ClusterException e) {
            throw new CheckpointException("cannot start the command on host " + request.host() + ": " + e.getMessage(), e);
        }
        return new RemoteExec(request.host(), false, Wire.secret(reply.get("secret"), "secret"),
                Wire.number(reply.get("relayPid"), "relayPid", 1, 1L << 22));
    }

    /** The coordinator's side of {@link #askCoordinator}: the asking agent must run a piece of the job. */
    private com.fasterxml.jackson.databind.node.ObjectNode rexecAsk(io.quiesce.cluster.Link link,
            com.fasterxml.jackson.databind.node.ObjectNode body) throws CheckpointException {
        String from = link.peer().host();
        String id = Wire.name(body.get("id"), "id");
        Job job = jobs.get(id);
        if (job == null || job.record().coordinator() != null || !job.record().hosts().contains(from)) {
            throw new CheckpointException("host " + from + " runs no piece of a job " + id + " of this coordinator");
        }
        String host = Wire.name(body.get("host"), "host");
        if (host.equals(from)) {
            throw new CheckpointException("host " + from + " runs a command on itself without the coordinator");
        }
        java.net.InetSocketAddress back = link.remoteAddress();
        if (back == null) {
            throw new UnavailableException("host " + from + ": its link has no address to connect back to");
        }
        RemoteExec e = startRelay(job, host.equals(hostName()) ? null : host, Wire.text(body.get("command"), "command", false, Wire.MAX_COMMAND),
                back.getAddress().getHostAddress(), Wire.port(body.get("port"), "port"),
                "a process of job " + id + " (" + job.record().name() + ") on host " + from);
        return Wire.object().put("secret", e.secret()).put("relayPid", e.relayPid());
    }

    /**
     * Starts the relay of a command as the job's new piece on a host, told to connect back to the requester.
     *
     * @param host    the host, or null for this one
     * @param address where the requester listens (its host's address, as the relay's host reaches it)
     * @param who     the requester, for the log
     */
    private RemoteExec startRelay(Job job, String host, String command, String address, int port, String who) throws CheckpointException {
        JobRecord r = job.record();
        awaitOperation(job, "start the command");
        try {
            checkNewPiece(job, host);
            String secret = java.util.HexFormat.of().formatHex(randomBytes(32));
            long pid;
            if (host == null) {
                spawn(job, relayRequest(r.name(), command, address, port, secret), selectedBackend().map(Plugins.Bound::service).orElse(null));
                pid = job.record().rootPid();
            } else {
                com.fasterxml.jackson.databind.node.ObjectNode body = Wire.object().put("id", r.id()).put("name", r.name())
                        .put("command", command).put("address", address).put("port", port).put("secret", secret);
                try {
                    pid = agentLink(host).call("job.rexec", body, java.time.Duration.ofSeconds(30)).path("rootPid").asLong(-1);
                } catch (io.quiesce.cluster.ClusterException e) {
                    throw new CheckpointException("cannot start the command on host " + host + ": " + e.getMessage(), e);
                }
                job.update(x -> x.withHost(host));
                save(job);
            }
            String where = host == null ? hostName() : host;
            LOG.info("{} started a command on host {}, relayed by PID {} there: {}", who, where, pid, command);
            return new RemoteExec(where, false, secret, pid);
        } finally {
            job.operation.unlock();
        }
    }

    /**
     * Takes the job's operation lock for a new piece, waiting for one that holds it: a launcher starts its remote
     * daemons at once (mpirun with two other hosts asks for both relays together), and a command asked for during a
     * checkpoint starts once the job runs again.
     *
     * @param then what the caller should do once the job is free, for the message when it stayed taken
     * @throws CheckpointException when the lock stayed taken for {@link #PIECE_WAIT_SECONDS}
     */
    private static void awaitOperation(Job job, String then) throws CheckpointException {
        try {
            if (!job.operation.tryLock(PIECE_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new CheckpointException("job " + job.id() + " was busy with a checkpoint or restart for " + PIECE_WAIT_SECONDS
                        + " s: " + then + " afterwards");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while waiting to start a piece of job " + job.id(), e);
        }
    }

    /** How a relay is started: {@code quiesce-rsh --serve}, in the user's home, with where to connect and the secret. */
    private LaunchRequest relayRequest(String jobName, String command, String address, int port, String secret) throws CheckpointException {
        String rsh = System.getProperty("quiesce.rsh");
        if (rsh == null || !Files.isExecutable(Path.of(rsh))) {
            throw new CheckpointException("host " + hostName() + " has no quiesce-rsh to relay the command"
                    + (rsh == null ? " (its platform was not started by bin/quiesce)" : " (" + rsh + " is missing: build it)"));
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("QUIESCE_REXEC_ADDRESS", address);
        env.put("QUIESCE_REXEC_PORT", Integer.toString(port));
        env.put("QUIESCE_REXEC_SECRET", secret);
        // like sshd: the command starts in the user's home, in the environment of the user's platform
        return new LaunchRequest(List.of(rsh, "--serve", "--", command), jobName, env, Path.of(System.getProperty("user.home")), null, null, null);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Refuses a second piece of a job on one host, and a piece of a job another coordinator owns. */
    private void checkNewPiece(Job job, String host) throws CheckpointException {
        JobRecord r = job.record();
        if (r.coordinator() != null) {
            throw new CheckpointException("job " + r.id() + " is a piece of a job of the coordinator " + r.coordinator()
                    + ": launch its pieces there");
        }
        String where = host == null ? hostName() : host;
        for (io.quiesce.api.JobPiece p : info(job).pieces()) {
            if (p.host().equals(where) && !p.pids().isEmpty()) {
                throw new CheckpointException("job " + r.id() + " (" + r.name() + ") already runs on host " + where + " as PIDs " + p.pids()
                        + ": a job has one piece per host (start the command from that piece, or as a new job)");
            }
        }
    }

    /** Registers a new job, with its folder; nothing runs yet. */
    private Job newJob(String name, List<String> argv, String backend, String coordinator) throws CheckpointException {
        synchronized (jobs) {
            String id = nextJobId();
            Path folder;
            try {
                folder = SecureFiles.folder(jobsFolder.resolve(id));
            } catch (IOException e) {
                throw new CheckpointException("cannot create job folder " + jobsFolder.resolve(id) + ": " + e.getMessage(), e);
            }
            Job job = new Job(new JobRecord(id, name == null ? id : name, argv, Instant.now().toString(), backend, -1, 0, null, false,
                    List.of(), coordinator), folder);
            jobs.put(id, job);
            return job;
        }
    }

    /** Starts a job's piece on this host as its root process. */
    private void spawn(Job job, LaunchRequest request, CheckpointBackend backend) throws CheckpointException {
        Path cwd = request.workingDir() != null ? request.workingDir() : Path.of(System.getProperty("user.dir"));
        Map<String, String> env = new HashMap<>(request.environment() != null ? request.environment() : System.getenv());
        env.put("QUIESCE_JOB", job.id());
        Path out = request.stdout() != null ? cwd.resolve(request.stdout()) : job.folder.resolve("output.log");
        Path err = request.stderr() != null ? cwd.resolve(request.stderr()) : out;
        LaunchSpec spec = new LaunchSpec(request.argv(), env, cwd, out, err);
        if (backend != null) {
            spec = backend.prepareLaunch(spec);
        }
        long pid = Spawner.spawn(spec);
        long start = proc.stat(pid).map(ProcStat::startTime).orElse(0L);
        job.update(r -> r.running(backend == null ? r.backend() : backend.name(), pid, start));
        reaper.watch(pid, status -> exited(job, status));
        save(job);
        LOG.info("launched job {} ({}) as PID {}: {}", job.id(), job.record().name(), pid, String.join(" ", request.argv()));
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

    /** @return the job's live processes on this host: every tree it has here, each root first */
    private List<Long> processes(JobRecord r) {
        List<Long> out = new ArrayList<>();
        for (JobRecord.Root root : r.roots()) {
            out.addAll(proc.tree(root.pid(), root.startTime()));
        }
        return out;
    }

    JobInfo info(Job job) {
        JobRecord r = job.record();
        List<Long> pids = processes(r);
        JobState here = !pids.isEmpty() ? JobState.RUNNING : r.checkpointed() ? JobState.CHECKPOINTED
                : r.exitStatus() != null ? JobState.EXITED : JobState.LOST;
        List<io.quiesce.api.JobPiece> pieces = new ArrayList<>();
        if (r.hosts().isEmpty() || r.rootPid() > 0 || !pids.isEmpty()) {
            pieces.add(new io.quiesce.api.JobPiece(hostName(), here, pids.isEmpty() ? -1 : r.rootPid(), pids, null));
        }
        pieces.addAll(remotePieces(r));
        JobState state;
        if (job.busy()) {
            state = JobState.BUSY;
        } else if (pieces.stream().anyMatch(p -> p.state() == JobState.RUNNING)) {
            state = JobState.RUNNING;
        } else if (r.checkpointed()) {
            state = JobState.CHECKPOINTED;
        } else if (r.exitStatus() != null || !pieces.isEmpty() && pieces.stream().allMatch(p -> p.state() == JobState.EXITED)) {
            state = JobState.EXITED;
        } else {
            state = JobState.LOST;
        }
        long epochs = store.list(r.id()).size();
        return new JobInfo(r.id(), r.name(), state, pids.isEmpty() ? -1 : r.rootPid(), pids, r.argv(), Instant.parse(r.started()),
                job.folder, r.backend(), state == JobState.EXITED ? r.exitStatus() : null, epochs, pieces);
    }

    /** @return the job's pieces on other hosts, each asked of its agent at once (a host that cannot answer is lost) */
    private List<io.quiesce.api.JobPiece> remotePieces(JobRecord r) {
        if (r.hosts().isEmpty()) {
            return List.of();
        }
        Map<String, java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ObjectNode>> asked = new java.util.LinkedHashMap<>();
        Map<String, String> why = new HashMap<>();
        for (String h : r.hosts()) {
            try {
                asked.put(h, agentLink(h).request("job.status", Wire.object().put("id", r.id())));
            } catch (CheckpointException e) {
                why.put(h, e.getMessage());
            }
        }
        List<io.quiesce.api.JobPiece> out = new ArrayList<>();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
        for (String h : r.hosts()) {
            String note = why.get(h);
            if (note == null) {
                try {
                    com.fasterxml.jackson.databind.node.ObjectNode st = asked.get(h).get(Math.max(0, end - System.nanoTime()),
                            java.util.concurrent.TimeUnit.NANOSECONDS);
                    JobState s = JobState.valueOf(st.path("state").asText("LOST"));
                    out.add(new io.quiesce.api.JobPiece(h, s, st.path("rootPid").asLong(-1), Wire.pids(st), null));
                    continue;
                } catch (java.util.concurrent.ExecutionException e) {
                    note = e.getCause().getMessage();
                } catch (java.util.concurrent.TimeoutException e) {
                    note = "host " + h + " did not answer within 3 s";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    note = "interrupted";
                } catch (CheckpointException | IllegalArgumentException e) {
                    note = "host " + h + " answered with a malformed status: " + e.getMessage();
                }
            }
            out.add(new io.quiesce.api.JobPiece(h, JobState.LOST, -1, List.of(), note));
        }
        return out;
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
                    r.moreRoots().forEach(x -> reaper.watch(x.pid(), status -> LOG.info("job {} process {} ended with status {}", r.id(), x.pid(), status)));
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
            JobRecord r = job.record();
            if (r.coordinator() != null) {
                throw new CheckpointException("job " + r.id() + " here is a piece of a job of the coordinator " + r.coordinator()
                        + ": checkpoint it there (every piece at once)");
            }
            // every host with a piece of the job takes part: this one (unless all its pieces are elsewhere), then the agents
            List<HostAgent> agents = new ArrayList<>();
            if (r.hosts().isEmpty() || !processes(r).isEmpty()) {
                agents.add(localAgent(false));
            }
            for (String h : r.hosts()) {
                agents.add(new RemoteAgent(agentLink(h), () -> config.phaseTimeoutSeconds()));
            }
            CheckpointResult result = protocol.checkpoint(new CheckpointProtocol.Order(job, agents, backend.name(),
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
        String self = hostName();
        // parts of other hosts lie in their agents' stores: each agent checks its own against this manifest
        java.util.Set<String> remoteFolders;
        try {
            remoteFolders = remoteFolders(ManifestCodec.read(folder.resolve(ImageFormat.MANIFEST)), self);
        } catch (ImageException e) {
            remoteFolders = java.util.Set.of(); // the checks below name what is wrong with it
        }
        // every file checked against the manifest, the manifest against this platform's key, before anything else
        java.util.Set<String> elsewhere = remoteFolders;
        ImageSeal.Opened opened = store.seal().open(folder, request.trust(),
                name -> elsewhere.stream().anyMatch(f -> name.startsWith(f + "/")));
        Manifest manifest = opened.manifest();
        if (!remoteFolders(manifest, self).equals(remoteFolders)) {
            throw new ImageException("changed while it was being read: refused", folder.resolve(ImageFormat.MANIFEST));
        }
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
        if (job.record().coordinator() != null) {
            throw new CheckpointException("job " + job.id() + " here is a piece of a job of the coordinator " + job.record().coordinator()
                    + ": restart it there");
        }
        if (!job.operation.tryLock()) {
            throw new CheckpointException("job " + job.id() + " is busy with another checkpoint or restart");
        }
        try {
            for (io.quiesce.api.JobPiece p : info(job).pieces()) {
                if (!p.pids().isEmpty()) {
                    throw new CheckpointException("job " + job.id() + " (" + job.record().name() + ") is still running as PIDs " + p.pids()
                            + (p.host().equals(self) ? "" : " on host " + p.host())
                            + ": stop it (or checkpoint it with --kill) before restarting it");
                }
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
            // each host part is restored by its host's agent (this host's own, or the agent that saved it), or by the
            // host --host-map names instead, its files copied there first when it lacks them
            List<HostRecord> parts = manifest.hosts().isEmpty() ? List.of(new HostRecord(self, List.of(), List.of()))
                    : manifest.hosts();
            checkHostMap(request.hostMap(), parts, folder, self);
            Map<String, HostAgent> agents = new HashMap<>();
            agents.put(self, localAgent(false));
            List<CheckpointProtocol.Placement> placements = new ArrayList<>();
            for (HostRecord p : parts) {
                boolean here = p.folder() == null || !remoteFolders.contains(p.folder());
                String holder = here ? self : p.host(); // where the part's files are
                String target = request.hostMap().getOrDefault(p.host(), holder);
                if (!target.equals(holder)) {
                    if (p.folder() == null) {
                        throw new CheckpointException("the part of host " + p.host() + " in " + folder + " has no folder of its own (a one-host image):"
                                + " it can only be restarted here");
                    }
                    PartTransfer.Copied c = PartTransfer.copy(manifest, p.folder(), () -> agentFor(holder, agents), agentFor(target, agents), folder);
                    if (!c.wasPresent()) {
                        LOG.info("job {} epoch {}: part {} copied from host {} to host {}: {} bytes in {} ms", manifest.jobId(), manifest.epoch(),
                                p.folder(), holder, target, c.bytes(), c.millis());
                        notes.add("the part of host " + p.host() + " was copied from host " + holder + " to host " + target + " (" + c.bytes()
                                + " bytes in " + c.millis() + " ms, every file checked)");
                    }
                }
                if (!target.equals(p.host())) {
                    notes.add("the part of host " + p.host() + " runs on host " + target);
                }
                placements.add(new CheckpointProtocol.Placement(agentFor(target, agents), p));
            }
            CheckpointProtocol.Restarted restarted = protocol.restart(folder, manifest, placements, request,
                    hooks.all().stream().map(Plugins.Bound::service).toList(), notes);
            j.update(x -> x.running(manifest.backend(), -1, 0));
            List<List<Long>> trees = restarted.treesByHost().getOrDefault(self, List.of());
            for (List<Long> tree : trees) {
                ranHere(j, tree);
            }
            // the job's pieces are now where its parts run: a host whose part moved away takes no part in its next checkpoint
            List<String> others = placements.stream().map(pl -> pl.agent().host()).filter(h -> !h.equals(self)).distinct().toList();
            j.update(x -> x.onHosts(others));
            save(j);
            return restarted.result();
        } finally {
            job.operation.unlock();
        }
    }

    /** @return the agent of a host, made once per restart; an error naming why when its agent is not up */
    private HostAgent agentFor(String host, Map<String, HostAgent> made) throws CheckpointException {
        HostAgent a = made.get(host);
        if (a == null) {
            a = new RemoteAgent(agentLink(host), () -> config.phaseTimeoutSeconds());
            made.put(host, a);
        }
        return a;
    }

    /**
     * Records one restored process tree of a job on this host (root first): the job's root when it has none yet,
     * else one more tree. Restored processes are children of this JVM whatever their saved tree was: every one of
     * them is reaped.
     */
    private void ranHere(Job j, List<Long> tree) {
        long root = tree.get(0);
        long start = proc.stat(root).map(ProcStat::startTime).orElse(0L);
        if (j.record().rootPid() <= 0) {
            j.update(x -> x.running(x.backend(), root, start));
            reaper.watch(root, status -> exited(j, status));
        } else {
            j.update(x -> x.withRoot(root, start));
            reaper.watch(root, status -> LOG.info("job {} process {} ended with status {}", j.id(), root, status));
        }
        tree.stream().skip(1).forEach(pid -> reaper.watch(pid, status -> LOG.info("job {} process {} ended with status {}", j.id(), pid, status)));
    }

    /**
     * Checks a restart's host map before anything happens: every host it moves must have a part in the checkpoint,
     * every host it moves a part to must be this one or an agent that is up.
     */
    private void checkHostMap(Map<String, String> hostMap, List<HostRecord> parts, Path folder, String self) throws CheckpointException {
        List<String> saved = parts.stream().map(HostRecord::host).toList();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(hostMap).entrySet()) {
            if (!saved.contains(e.getKey())) {
                throw new CheckpointException("--host-map names host " + e.getKey() + ", which has no part in " + folder + " (its hosts: "
                        + String.join(", ", saved) + ")");
            }
            if (!e.getValue().equals(self) && cluster.agent(e.getValue()).isEmpty()) {
                throw new UnavailableException("--host-map moves the part of host " + e.getKey() + " to host " + e.getValue() + ", which cannot take it: "
                        + cluster.whyNot(e.getValue()));
            }
        }
    }

    /**
     * @return the part folders of a manifest's hosts whose files lie in their agents' stores: hosts other than this
     *         one that are agents of this coordinator, or that the job ran on; a part of a host this platform knows no
     *         agent of (a one-host image from a renamed or other machine) is restored here, as on a single host
     */
    private java.util.Set<String> remoteFolders(Manifest m, String self) {
        Job job = jobs.get(m.jobId());
        List<String> ran = job == null ? List.of() : job.record().hosts();
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (HostRecord h : m.hosts()) {
            if (h.folder() != null && !h.host().equals(self) && (cluster.knows(h.host()) || ran.contains(h.host()))) {
                out.add(h.folder());
            }
        }
        return out;
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

    /** This host's registry as an agent's coordinator sees it: pieces of its jobs, kept as jobs of this platform. */
    private final class AgentPieces implements AgentRequests.Pieces {
        @Override
        public long launch(String jobId, String jobName, List<String> argv, String cwd, String coordinator) throws CheckpointException {
            return start(jobId, jobName, argv, cwd, null, coordinator);
        }

        @Override
        public long remoteExec(String jobId, String jobName, String command, String address, int port, String secret, String coordinator)
                throws CheckpointException {
            LaunchRequest relay = relayRequest(jobName, command, address, port, secret);
            return start(jobId, jobName, relay.argv(), relay.workingDir().toString(), relay.environment(), coordinator);
        }

        private long start(String jobId, String jobName, List<String> argv, String cwd, Map<String, String> env, String coordinator)
                throws CheckpointException {
            Job job = pieceOf(jobId, jobName, argv, coordinator);
            if (!job.operation.tryLock()) {
                throw new CheckpointException("job " + jobId + " is busy on host " + hostName());
            }
            try {
                JobRecord r = job.record();
                List<Long> running = processes(r);
                if (!running.isEmpty()) {
                    throw new CheckpointException("job " + jobId + " already runs on host " + hostName() + " as PIDs " + running);
                }
                Path wd = null;
                if (cwd != null) {
                    wd = Path.of(cwd);
                    if (!wd.isAbsolute() || !Files.isDirectory(wd)) {
                        throw new CheckpointException("working directory " + cwd + " does not exist on host " + hostName());
                    }
                }
                spawn(job, new LaunchRequest(argv, jobName, env, wd, null, null, null), selectedBackend().map(Plugins.Bound::service).orElse(null));
                return job.record().rootPid();
            } finally {
                job.operation.unlock();
            }
        }

        @Override
        public com.fasterxml.jackson.databind.node.ObjectNode status(String jobId) {
            Job j = jobs.get(jobId);
            com.fasterxml.jackson.databind.node.ObjectNode o = Wire.object();
            if (j == null) {
                o.put("state", JobState.LOST.name()).put("rootPid", -1).putArray("pids");
                return o;
            }
            JobInfo i = info(j);
            o.put("state", i.state().name()).put("rootPid", i.rootPid());
            i.pids().forEach(o.putArray("pids")::add);
            return o;
        }

        @Override
        public void killed(String jobId) {
            Job j = jobs.get(jobId);
            if (j != null) {
                reaper.forget(j.record().rootPid());
                j.update(JobRecord::checkpointedAndKilled);
                save(j);
            }
        }

        @Override
        public void restarted(String jobId, String jobName, List<String> argv, String backend, List<Long> pids, String coordinator)
                throws CheckpointException {
            Job j = pieceOf(jobId, jobName, argv, coordinator);
            // before a restart no piece of the job runs: a live tree here is another part of the same restart
            if (processes(j.record()).isEmpty()) {
                j.update(x -> x.running(backend, -1, 0));
            }
            ranHere(j, pids);
            save(j);
        }

        @Override
        public Path folder(String jobId, String jobName, List<String> argv, String coordinator) throws CheckpointException {
            return pieceOf(jobId, jobName, argv, coordinator).folder;
        }

        /** @return this host's piece of a coordinator's job, registered on first use; a job ID of this host's own is refused */
        private Job pieceOf(String jobId, String jobName, List<String> argv, String coordinator) throws CheckpointException {
            synchronized (jobs) {
                Job j = jobs.get(jobId);
                if (j != null) {
                    if (!coordinator.equals(j.record().coordinator())) {
                        throw new CheckpointException("job ID " + jobId + " is taken on host " + hostName() + " by "
                                + (j.record().coordinator() == null ? "a job of its own (" + j.record().name() + ")"
                                        : "a job of the coordinator " + j.record().coordinator()));
                    }
                    return j;
                }
                Path folder;
                try {
                    folder = SecureFiles.folder(jobsFolder.resolve(store.jobFolder(jobId).getFileName().toString()));
                } catch (IOException | IllegalArgumentException e) {
                    throw new CheckpointException("cannot create job folder for " + jobId + " on host " + hostName() + ": " + e.getMessage(), e);
                }
                j = new Job(new JobRecord(jobId, jobName, argv, Instant.now().toString(), null, -1, 0, null, false, List.of(), coordinator), folder);
                jobs.put(jobId, j);
                save(j);
                return j;
            }
        }
    }


    /**
     * @param forCoordinatorElsewhere true for the agent that answers a coordinator on another host
     * @return the agent of this host, on the current store and plug-ins
     */
    LocalAgent localAgent(boolean forCoordinatorElsewhere) {
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
                List<Long> pids = processes(r);
                if (pids.isEmpty()) {
                    throw new CheckpointException("job " + r.id() + " (" + r.name() + ") has no running process to checkpoint");
                }
                return new HostJob(r.id(), r.name(), r.rootPid(), pids, job.folder, saveFiles);
            }

            @Override
            public Path jobFolder(String jobId, String jobName) throws CheckpointException {
                return find(jobId).folder;
            }

            @Override
            public String coordinator() {
                ClusterMembership c = cluster;
                return c == null ? null : c.coordinatorHost();
            }

            @Override
            public String hostAddress() {
                ClusterMembership c = cluster;
                return c == null ? null : c.hostAddress();
            }
        }, store, reaper, watchdog, forCoordinatorElsewhere);
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
