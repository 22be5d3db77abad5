package io.quiesce.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.Manifest;
import io.quiesce.cluster.ClusterException;
import io.quiesce.cluster.Link;
import io.quiesce.cluster.RequestHandler;
import io.quiesce.coordinator.store.CheckpointStore;
import io.quiesce.coordinator.store.ManifestCodec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's side of the quiesce protocol: answers its coordinator's phase requests with this host's
 * {@link LocalAgent}, in order (a phase asked out of turn, or of a checkpoint this agent does not hold, is refused),
 * and holds frozen processes under a lease. The coordinator renews the lease every second; when it has not been
 * renewed for {@code leaseSeconds}, or the link is gone, the agent resumes its processes on its own. A part that was
 * not yet voted for is then deleted (the coordinator cannot commit without it); a voted part stays staged until the
 * coordinator's decision, which the agent asks for whenever it joins ({@link #recover}).
 */
final class AgentRequests implements RequestHandler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRequests.class);
    private static final Duration ASK = Duration.ofSeconds(10);

    /** What the agent needs of its platform's job registry. */
    interface Pieces {
        /** Starts a piece of a coordinator's job on this host; @return its root PID */
        long launch(String jobId, String jobName, List<String> argv, String cwd, String coordinator) throws CheckpointException;

        /**
         * Starts the relay of a command that a process of the job on the coordinator's host asked for (its launcher's
         * ssh), as the job's piece on this host.
         *
         * @return the relay's PID
         */
        long remoteExec(String jobId, String jobName, String command, String address, int port, String secret, String coordinator)
                throws CheckpointException;

        /** @return the piece's state: {@code state}, {@code rootPid}, {@code pids} */
        ObjectNode status(String jobId);

        /** The piece was killed after a committed checkpoint. */
        void killed(String jobId);

        /** The piece runs again as these processes, root first. */
        void restarted(String jobId, String jobName, List<String> argv, String backend, List<Long> pids, String coordinator)
                throws CheckpointException;

        /** @return the piece's folder (logs), created if needed */
        Path folder(String jobId, String jobName, List<String> argv, String coordinator) throws CheckpointException;
    }

    private enum Phase {
        PREPARED, FROZEN, DRAINED, SETTLED, DUMPED, RESUMED, COMMITTED, KILLED, ABORTED, EXPIRED
    }

    private final String host;
    private final Supplier<LocalAgent> agent;
    private final Supplier<CheckpointStore> store;
    private final Pieces pieces;
    private final IntSupplier leaseSeconds;
    private final Map<String, Session> checkpoints = new ConcurrentHashMap<>();
    private final Map<String, HostRestart> restarts = new ConcurrentHashMap<>();
    private final Map<String, RestartPlan> restartPlans = new ConcurrentHashMap<>();
    private final Map<String, LocalRendezvous> rendezvous = new ConcurrentHashMap<>();
    private final PartCopyRequests copies;
    private final ScheduledExecutorService leases = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quiesce-lease");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param host         this host's name
     * @param agent        this host's agent, staging parts for a coordinator elsewhere
     * @param store        this host's store
     * @param pieces       this host's job registry
     * @param leaseSeconds how long frozen processes wait for a renewal
     */
    AgentRequests(String host, Supplier<LocalAgent> agent, Supplier<CheckpointStore> store, Pieces pieces, IntSupplier leaseSeconds) {
        this.host = host;
        this.agent = agent;
        this.store = store;
        this.pieces = pieces;
        this.leaseSeconds = leaseSeconds;
        this.copies = new PartCopyRequests(host, agent);
        leases.scheduleWithFixedDelay(this::checkLeases, 200, 200, TimeUnit.MILLISECONDS);
    }

    /** One checkpoint of this host's piece, as its coordinator drives it. */
    private final class Session {
        final String id;
        final Link link;
        final CheckpointPlan plan;
        final HostCheckpoint checkpoint;
        volatile Phase phase = Phase.PREPARED;
        volatile long renewed = System.nanoTime();
        /** after settle: what this host took from connections between hosts, in chunks, for the coordinator's pages */
        List<Map.Entry<String, byte[]>> taken = List.of();

        Session(String id, Link link, CheckpointPlan plan, HostCheckpoint checkpoint) {
            this.id = id;
            this.link = link;
            this.plan = plan;
            this.checkpoint = checkpoint;
        }

        synchronized void expect(String op, Phase... allowed) throws CheckpointException {
            renewed = System.nanoTime();
            for (Phase p : allowed) {
                if (phase == p) {
                    return;
                }
            }
            throw new CheckpointException("host " + host + ": '" + op + "' of checkpoint " + id + " refused: the checkpoint is "
                    + phase.name().toLowerCase() + (phase == Phase.EXPIRED ? " (its lease ended: the processes run on)" : ""));
        }

        boolean frozen() {
            return phase == Phase.FROZEN || phase == Phase.DRAINED || phase == Phase.SETTLED || phase == Phase.DUMPED;
        }
    }

    @Override
    public ObjectNode handle(Link link, String op, ObjectNode body) throws Exception {
        if (op.startsWith("cp.")) {
            return checkpointOp(link, op, body);
        }
        if (op.startsWith("rs.")) {
            return restartOp(link, op, body);
        }
        if (op.startsWith("im.")) {
            return copies.handle(link, op, body);
        }
        switch (op) {
            case "job.launch" -> {
                String cwd = Wire.text(body.get("cwd"), "cwd", true);
                long pid = pieces.launch(Wire.name(body.get("id"), "id"), Wire.name(body.get("name"), "name"), Wire.texts(body, "argv"),
                        cwd, link.peer().host());
                return Wire.object().put("rootPid", pid);
            }
            case "job.rexec" -> {
                String address = Wire.text(body.get("address"), "address", false);
                if (!address.matches("[0-9A-Fa-f.:%a-zA-Z]{2,64}") || !address.matches(".*[.:].*")) {
                    throw new CheckpointException("malformed cluster message: field 'address' is not an IP address");
                }
                long pid = pieces.remoteExec(Wire.name(body.get("id"), "id"), Wire.name(body.get("name"), "name"),
                        Wire.text(body.get("command"), "command", false, Wire.MAX_COMMAND), address,
                        Wire.port(body.get("port"), "port"), Wire.secret(body.get("secret"), "secret"), link.peer().host());
                return Wire.object().put("rootPid", pid);
            }
            case "job.status" -> {
                return pieces.status(Wire.name(body.get("id"), "id"));
            }
            default -> throw new ClusterException(host + " does not answer '" + op + "'");
        }
    }

    // ---- checkpoint

    private ObjectNode checkpointOp(Link link, String op, ObjectNode body) throws CheckpointException {
        String id = Wire.text(body.get("session"), "session", false);
        if (op.equals("cp.prepare")) {
            CheckpointPlan plan = Wire.plan(body.get("plan"));
            if (!id.equals(plan.jobId() + ":" + plan.epoch())) {
                throw new CheckpointException("malformed cluster message: session " + id + " is not of the plan's job and epoch");
            }
            Session old = checkpoints.get(id);
            if (old != null) {
                throw new CheckpointException("host " + host + ": checkpoint " + id + " is already open here (" + old.phase.name().toLowerCase() + ")");
            }
            HostCheckpoint hc = agent.get().prepare(plan);
            checkpoints.put(id, new Session(id, link, plan, hc));
            return Wire.object();
        }
        Session s = checkpoints.get(id);
        if (s == null) {
            if (op.equals("cp.close") || op.equals("cp.abort")) {
                return Wire.object(); // nothing open: nothing to close
            }
            throw new CheckpointException("host " + host + " holds no checkpoint " + id + " (never prepared here, or closed)");
        }
        synchronized (s) {
            switch (op) {
                case "cp.freeze" -> {
                    s.expect(op, Phase.PREPARED);
                    ObjectNode r = Wire.object();
                    r.set("endpoints", Wire.endpoints(s.checkpoint.freeze()));
                    s.phase = Phase.FROZEN;
                    return r;
                }
                case "cp.drain" -> {
                    s.expect(op, Phase.FROZEN);
                    s.checkpoint.drain(Wire.channels(body));
                    s.phase = Phase.DRAINED;
                    return Wire.object();
                }
                case "cp.settle" -> {
                    s.expect(op, Phase.DRAINED);
                    s.checkpoint.settle();
                    s.taken = Wire.chunks(s.checkpoint.taken());
                    s.phase = Phase.SETTLED;
                    return Wire.object();
                }
                case "cp.taken" -> {
                    s.expect(op, Phase.SETTLED);
                    int per = RemoteAgent.CHUNKS_PER_FRAME;
                    int page = (int) Wire.number(body.get("page"), "page", 0, s.taken.size() / per);
                    ObjectNode r = Wire.object();
                    int from = page * per;
                    r.set("chunks", Wire.chunks(s.taken.subList(from, Math.min(s.taken.size(), from + per))));
                    r.put("more", from + per < s.taken.size());
                    return r;
                }
                case "cp.sendagain" -> {
                    s.expect(op, Phase.SETTLED);
                    Map<String, byte[]> bytes = new java.util.LinkedHashMap<>();
                    for (Map.Entry<String, byte[]> c : Wire.chunks(body, "chunks")) {
                        if (bytes.containsKey(c.getKey())) {
                            s.checkpoint.sendAgain(bytes); // a channel's next chunk: what came before goes first
                            bytes.clear();
                        }
                        bytes.put(c.getKey(), c.getValue());
                    }
                    s.checkpoint.sendAgain(bytes);
                    return Wire.object();
                }
                case "cp.dump" -> {
                    s.expect(op, Phase.DRAINED, Phase.SETTLED);
                    ObjectNode r = Wire.object();
                    r.set("part", Wire.part(s.checkpoint.dump()));
                    s.phase = Phase.DUMPED; // the vote: from here the part waits for the coordinator's decision
                    return r;
                }
                case "cp.resume" -> {
                    s.expect(op, Phase.DUMPED);
                    s.checkpoint.resume();
                    s.phase = Phase.RESUMED;
                    return Wire.object();
                }
                case "cp.commit" -> {
                    s.expect(op, Phase.DUMPED, Phase.RESUMED, Phase.EXPIRED);
                    commitPart(s.plan.jobId(), s.plan.epoch(), body.get("manifest"), link.peer().host());
                    s.phase = s.phase == Phase.EXPIRED ? Phase.EXPIRED : Phase.COMMITTED;
                    return Wire.object();
                }
                case "cp.kill" -> {
                    s.expect(op, Phase.COMMITTED, Phase.EXPIRED);
                    s.checkpoint.kill();
                    s.phase = Phase.KILLED;
                    pieces.killed(s.plan.jobId());
                    return Wire.object();
                }
                case "cp.abort" -> {
                    if (s.phase != Phase.COMMITTED && s.phase != Phase.KILLED) {
                        s.checkpoint.abort();
                        discardPart(s.plan.jobId(), s.plan.epoch());
                        s.phase = Phase.ABORTED;
                    }
                    return Wire.object();
                }
                case "cp.close" -> {
                    checkpoints.remove(id);
                    s.checkpoint.close();
                    if (s.phase == Phase.PREPARED || s.phase == Phase.FROZEN || s.phase == Phase.DRAINED || s.phase == Phase.SETTLED) {
                        discardPart(s.plan.jobId(), s.plan.epoch()); // never voted: it can never be committed
                    }
                    return Wire.object();
                }
                default -> throw new CheckpointException("host " + host + " does not answer '" + op + "'");
            }
        }
    }

    /** Takes a lease renewal (a notice, on the link's I/O thread: it must not wait behind a long dump). */
    void renew(ObjectNode body) {
        JsonNode id = body.get("session");
        Session s = id == null ? null : checkpoints.get(id.asText());
        if (s != null) {
            s.renewed = System.nanoTime();
        }
    }

    private void checkLeases() {
        copies.dropClosed();
        long lease = TimeUnit.SECONDS.toNanos(Math.max(1, leaseSeconds.getAsInt()));
        for (Session s : checkpoints.values()) {
            boolean lost = !s.link.isOpen();
            if ((lost || System.nanoTime() - s.renewed > lease) && s.frozen()) {
                expire(s, lost ? "the link to the coordinator closed (" + s.link.closed().getNow("?") + ")"
                        : "the coordinator renewed no lease for " + leaseSeconds.getAsInt() + " s");
            }
        }
    }

    /** The coordinator is gone: processes resume here; an unvoted part is deleted, a voted one waits for the decision. */
    private void expire(Session s, String why) {
        synchronized (s) { // waits for a phase in progress: a frozen process is never left half-handled
            if (!s.frozen()) {
                return;
            }
            boolean voted = s.phase == Phase.DUMPED;
            if (voted) {
                try {
                    s.checkpoint.resume();
                } catch (CheckpointException | RuntimeException e) {
                    LOG.error("lease of checkpoint {} ended: resuming failed: {}", s.id, e.getMessage());
                }
            } else {
                s.checkpoint.abort();
                discardPart(s.plan.jobId(), s.plan.epoch());
            }
            s.phase = Phase.EXPIRED;
            LOG.warn("lease of checkpoint {} ended: {}; job {} runs on here{}", s.id, why, s.plan.jobId(),
                    voted ? "; its voted part waits for the coordinator's decision" : "; its part is deleted");
        }
        if (!s.link.isOpen()) {
            checkpoints.remove(s.id);
            s.checkpoint.close();
        }
    }

    /** Moves this host's part into place, beside the coordinator's manifest, checked to be of that job, epoch and part. */
    private void commitPart(String jobId, long epoch, JsonNode manifest, String coordinator) throws CheckpointException {
        Manifest m = manifest(manifest);
        if (!m.jobId().equals(jobId) || m.epoch() != epoch || m.hosts().stream().noneMatch(h -> h.host().equals(host))) {
            throw new CheckpointException("host " + host + ": the committed manifest is of job " + m.jobId() + " epoch " + m.epoch()
                    + (m.hosts().stream().noneMatch(h -> h.host().equals(host)) ? " without this host's part" : "") + ", not of job "
                    + jobId + " epoch " + epoch);
        }
        try {
            store.get().commitRemotePart(jobId, epoch, LocalAgent.partFolder(host), ManifestCodec.encode(m), coordinator);
        } catch (IOException e) {
            throw new CheckpointException("host " + host + ": cannot move part of job " + jobId + " epoch " + epoch + " into place: " + e.getMessage(), e);
        }
    }

    private void discardPart(String jobId, long epoch) {
        try {
            store.get().discardRemotePart(jobId, epoch, LocalAgent.partFolder(host));
        } catch (IOException e) {
            LOG.error("cannot delete staged part of job {} epoch {}: {}", jobId, epoch, e.getMessage());
        }
    }

    /**
     * Two-phase commit recovery, once joined: every part this host staged and did not see decided is committed or
     * deleted as the coordinator says; one the coordinator is still deciding waits.
     */
    void recover(Link link) {
        for (CheckpointStore.StagedPart p : store.get().stagedRemoteParts()) {
            if (!p.part().equals(LocalAgent.partFolder(host))) {
                discardUnfinishedCopy(p);
                continue;
            }
            if (checkpoints.containsKey(p.jobId() + ":" + p.epoch())) {
                continue;
            }
            try {
                ObjectNode reply = link.call("cp.decision", Wire.object().put("job", p.jobId()).put("epoch", p.epoch()), ASK);
                String d = reply.path("decision").asText("");
                switch (d) {
                    case "committed" -> {
                        commitPart(p.jobId(), p.epoch(), reply.get("manifest"), link.peer().host());
                        LOG.info("job {} epoch {}: the coordinator committed it; this host's part is in place", p.jobId(), p.epoch());
                    }
                    case "aborted" -> {
                        discardPart(p.jobId(), p.epoch());
                        LOG.info("job {} epoch {}: the coordinator did not commit it; this host's staged part is deleted", p.jobId(), p.epoch());
                    }
                    default -> LOG.info("job {} epoch {}: the coordinator has not decided yet ({}); the part waits", p.jobId(), p.epoch(), d);
                }
            } catch (ClusterException | CheckpointException e) {
                LOG.warn("job {} epoch {}: cannot learn the coordinator's decision ({}); the part waits", p.jobId(), p.epoch(), e.getMessage());
            }
        }
    }

    /**
     * Another host's part staged here is a copy for a restart --host-map, never a vote: one that no open copy is
     * receiving was left by a link that closed mid-copy (a coordinator that died, this platform stopped), and a
     * later restart copies the part afresh, so it is deleted.
     */
    private void discardUnfinishedCopy(CheckpointStore.StagedPart p) {
        if (copies.receiving(p.jobId(), p.epoch(), p.part())) {
            return;
        }
        try {
            store.get().discardRemotePart(p.jobId(), p.epoch(), p.part());
            LOG.info("job {} epoch {}: an unfinished copy of host {}'s part (its copy's link closed) is deleted", p.jobId(), p.epoch(), p.part());
        } catch (IOException e) {
            LOG.warn("job {} epoch {}: cannot delete an unfinished copy of host {}'s part: {}", p.jobId(), p.epoch(), p.part(), e.getMessage());
        }
    }

    // ---- restart

    private ObjectNode restartOp(Link link, String op, ObjectNode body) throws CheckpointException {
        String id = Wire.text(body.get("session"), "session", false);
        if (op.equals("rs.open")) {
            if (restarts.containsKey(id)) {
                throw new CheckpointException("host " + host + ": restart " + id + " is already open here");
            }
            RestartPlan plan = restartPlan(body, link.peer().host());
            LocalRendezvous names = new LocalRendezvous(); // this host's; the coordinator passes values between hosts
            HostRestart r = agent.get().openRestart(plan, names);
            restarts.put(id, r);
            rendezvous.put(id, names);
            restartPlans.put(id, plan);
            return Wire.object();
        }
        HostRestart r = restarts.get(id);
        if (r == null) {
            if (op.equals("rs.close")) {
                return Wire.object();
            }
            throw new CheckpointException("host " + host + " holds no restart " + id);
        }
        switch (op) {
            case "rs.restore" -> r.restore();
            case "rs.listen" -> {
                r.listen();
                ObjectNode out = Wire.object();
                out.set("published", Wire.published(rendezvous.get(id).snapshot()));
                return out;
            }
            case "rs.reconnect" -> {
                Map<String, String> published = Wire.published(body, "published");
                rendezvous.get(id).putAll(published);
                r.reconnect(published);
            }
            case "rs.refill" -> r.refill();
            case "rs.release" -> {
                List<Long> pids = r.release();
                Manifest m = restartPlans.get(id).manifest();
                pieces.restarted(m.jobId(), m.jobName(), m.argv(), m.backend(), pids, link.peer().host());
                ObjectNode out = Wire.object();
                ArrayNode a = out.putArray("pids");
                pids.forEach(a::add);
                ArrayNode w = out.putArray("warnings");
                r.warnings().forEach(w::add);
                return out;
            }
            case "rs.close" -> {
                restarts.remove(id);
                restartPlans.remove(id);
                rendezvous.remove(id);
                r.close();
            }
            default -> throw new CheckpointException("host " + host + " does not answer '" + op + "'");
        }
        return Wire.object();
    }

    /** @return the coordinator's manifest, checked field by field as one read from a file */
    static Manifest manifest(JsonNode node) throws CheckpointException {
        if (node == null || !node.isObject()) {
            throw new CheckpointException("malformed cluster message: field 'manifest' is missing");
        }
        try {
            return ManifestCodec.parse(ManifestCodec.JSON.writeValueAsBytes(node), Path.of("(the coordinator's manifest)"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CheckpointException("malformed cluster message: field 'manifest' is not JSON");
        }
    }

    private RestartPlan restartPlan(ObjectNode body, String coordinator) throws CheckpointException {
        Manifest m = manifest(body.get("manifest"));
        String partHost = Wire.name(body.get("host"), "host");
        HostRecord part = m.hosts().stream().filter(h -> h.host().equals(partHost)).findFirst()
                .orElseThrow(() -> new CheckpointException("the checkpoint of job " + m.jobId() + " epoch " + m.epoch() + " has no part of host " + partHost));
        if (part.folder() == null) {
            throw new CheckpointException("the part of host " + partHost + " has no folder of its own (a one-host image): restart it on its coordinator");
        }
        RestartRequest request = Wire.request(body.get("request"), m.jobId());
        Path epochFolder;
        try {
            epochFolder = store.get().committedRemotePart(m.jobId(), m.epoch(), part.folder()).getParent();
        } catch (IOException e) {
            throw new CheckpointException("host " + host + ": " + e.getMessage(), e);
        }
        try {
            store.get().seal().checkPart(epochFolder, part.folder(), m);
        } catch (ImageException e) {
            throw new CheckpointException("host " + host + ": " + e.getMessage(), e);
        }
        pieces.folder(m.jobId(), m.jobName(), m.argv(), coordinator);
        return new RestartPlan(epochFolder, m, part, request);
    }

    @Override
    public void close() {
        leases.shutdownNow();
        for (Session s : checkpoints.values()) {
            synchronized (s) {
                if (s.frozen()) {
                    s.checkpoint.abort();
                }
                s.checkpoint.close();
            }
        }
        checkpoints.clear();
        restarts.values().forEach(HostRestart::close);
        restarts.clear();
        copies.close();
    }
}
