package io.quiesce.coordinator;

import static io.quiesce.coordinator.PluginCall.call;
import static io.quiesce.coordinator.PluginCall.run;

import io.quiesce.api.BackendCapability;
import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.Endpoint;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.Rendezvous;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.CheckpointStore;
import io.quiesce.coordinator.store.PartCopy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of the host this platform runs on: today's single-host engine behind the {@link HostAgent} phases. It
 * freezes and dumps through the backend, drains and rebuilds channels through the fabrics, stages its part in the
 * store's staging folder under its own subfolder, and holds frozen processes under the {@link Watchdog}: should this
 * platform stop giving signs of life, its processes run on.
 */
final class LocalAgent implements HostAgent {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAgent.class);

    /** What the agent needs from the platform it runs in. */
    interface Platform {
        /** @return the named backend, installed and available, or an error saying why not */
        CheckpointBackend backend(String name) throws CheckpointException;

        /** @return the named fabric, installed and available, or an error saying why not */
        Fabric fabric(String name) throws CheckpointException;

        /** @return the job's piece on this host, running */
        HostJob piece(String jobId, boolean saveFiles) throws CheckpointException;

        /** @return the job's folder on this host (logs, output), created if needed */
        Path jobFolder(String jobId, String jobName) throws CheckpointException;

        /** @return the host whose checkpoints this host's parts belong to: its coordinator, or null for this one */
        default String coordinator() {
            return null;
        }

        /** @return the address the job's other hosts reach this host at (its cluster link's), or null on a single host */
        default String hostAddress() {
            return null;
        }
    }

    private final String host;
    private final String folder;
    private final Platform platform;
    private final CheckpointStore store;
    private final ChildReaper reaper;
    private final Watchdog watchdog;
    private final boolean forCoordinatorElsewhere;

    /**
     * @param forCoordinatorElsewhere true on an agent of a coordinator on another host: parts are staged as
     *                                {@link CheckpointStore#stageRemotePart} (they wait for the coordinator's
     *                                decision) and a vote lists every file with its digest
     */
    LocalAgent(String host, Platform platform, CheckpointStore store, ChildReaper reaper, Watchdog watchdog, boolean forCoordinatorElsewhere) {
        this.forCoordinatorElsewhere = forCoordinatorElsewhere;
        this.host = host;
        this.folder = partFolder(host);
        this.platform = platform;
        this.store = store;
        this.reaper = reaper;
        this.watchdog = watchdog;
    }

    /** @return a host's part folder name: its name where that is a plain identifier, else a safe form of it */
    static String partFolder(String host) {
        String safe = host.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("\\.{2,}", "_");
        if (safe.isEmpty() || safe.startsWith(".")) {
            safe = "host" + safe;
        }
        return safe.length() > 64 ? safe.substring(0, 64) : safe;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public HostCheckpoint prepare(CheckpointPlan plan) throws CheckpointException {
        CheckpointBackend backend = platform.backend(plan.backend());
        List<Fabric> fabrics = new ArrayList<>();
        for (String f : plan.fabrics()) {
            fabrics.add(platform.fabric(f));
        }
        HostJob job = platform.piece(plan.jobId(), plan.saveFiles());
        Path part;
        try {
            part = forCoordinatorElsewhere ? store.stageRemotePart(plan.jobId(), plan.epoch(), folder)
                    : store.stagePart(plan.jobId(), plan.epoch(), folder);
        } catch (IOException e) {
            throw new CheckpointException("cannot create staging folder in " + store.jobFolder(plan.jobId()) + ": " + e.getMessage(), e);
        }
        LocalCheckpoint c = new LocalCheckpoint(job, backend, fabrics, part);
        try {
            c.open();
            return c;
        } catch (CheckpointException | RuntimeException e) {
            c.abort();
            c.close();
            throw e;
        }
    }

    @Override
    public HostRestart openRestart(RestartPlan plan, Rendezvous rendezvous) throws CheckpointException {
        CheckpointBackend backend = platform.backend(plan.manifest().backend());
        List<Fabric> fabrics = new ArrayList<>();
        for (String f : plan.manifest().fabrics()) {
            fabrics.add(platform.fabric(f));
        }
        Path jobFolder = platform.jobFolder(plan.manifest().jobId(), plan.manifest().jobName());
        boolean moved = !plan.part().host().equals(host);
        long partsHere = plan.manifest().hosts().stream().filter(h -> plan.request().hostMap().getOrDefault(h.host(), h.host()).equals(host)).count();
        RestoreOptions options = new RestoreOptions(jobFolder, jobFolder.resolve("output.log"), plan.request().relocations(),
                plan.request().exactPids(), plan.request().external(), plan.request().keepFiles(), moved ? plan.part().host() : null,
                platform.hostAddress(), partsHere > 1);
        return new LocalRestart(plan.partFolder(), backend, fabrics, rendezvous, options);
    }

    /** @return the folder that holds a committed part on this host: an agent's store, or the coordinator's checkpoint */
    private Path epochFolder(Path checkpoint, Manifest m, String part) throws CheckpointException {
        if (!forCoordinatorElsewhere) {
            return checkpoint;
        }
        try {
            return store.committedRemotePart(m.jobId(), m.epoch(), part).getParent();
        } catch (IOException e) {
            throw new CheckpointException("host " + host + ": " + e.getMessage(), e);
        }
    }

    @Override
    public PartTransfer.Source sendPart(Path checkpoint, Manifest m, String part) throws CheckpointException {
        Path epoch = epochFolder(checkpoint, m, part);
        PartCopy copy = new PartCopy(store);
        try {
            copy.checkSource(epoch, part, m);
        } catch (ImageException e) {
            throw new CheckpointException("host " + host + ": its copy of part " + part + " cannot be sent: " + e.getMessage(), e);
        }
        return new PartTransfer.Source() {
            @Override
            public byte[] read(String name, long offset) throws CheckpointException {
                try {
                    return copy.read(epoch, part, m, name, offset);
                } catch (ImageException e) {
                    throw new CheckpointException("host " + host + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public PartTransfer.Sink receivePart(Path checkpoint, Manifest m, String part) throws CheckpointException {
        // parts arrive in this store's epoch folder: on the coordinator that is its checkpoint's own folder
        if (!forCoordinatorElsewhere && !checkpoint.equals(store.jobFolder(m.jobId()).resolve(Long.toString(m.epoch())))) {
            throw new CheckpointException("host " + host + " can restore the part of another host only from a checkpoint in its store, not from "
                    + checkpoint);
        }
        PartCopy copy = new PartCopy(store);
        boolean present;
        try {
            present = copy.has(m, part);
            if (!present) {
                copy.begin(m, part);
            }
        } catch (IOException e) {
            throw new CheckpointException("host " + host + ": cannot receive part " + part + ": " + e.getMessage(), e);
        }
        return new PartTransfer.Sink() {
            private boolean done = present;

            @Override
            public boolean present() {
                return present;
            }

            @Override
            public void write(String name, long offset, byte[] data) throws CheckpointException {
                try {
                    copy.write(m, part, name, offset, data);
                } catch (IOException | ImageException e) {
                    throw new CheckpointException("host " + host + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void commit() throws CheckpointException {
                try {
                    copy.commit(m, part, platform.coordinator() == null ? host : platform.coordinator());
                    done = true;
                } catch (IOException | ImageException e) {
                    throw new CheckpointException("host " + host + ": part " + part + " arrived damaged, nothing of it kept: " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                if (!done) {
                    try {
                        copy.abort(m, part);
                    } catch (IOException e) {
                        LOG.warn("host {}: cannot delete the partly received part {}: {}", host, part, e.getMessage());
                    }
                }
            }
        };
    }

    /** One checkpoint of this host's piece. Phase methods are synchronized: an abort waits for a phase in progress. */
    private final class LocalCheckpoint implements HostCheckpoint {
        private final HostJob job;
        private final CheckpointBackend backend;
        private final String who;
        private final List<Fabric> fabrics;
        private final Path part;
        private final List<FabricCheckpoint> drains = new ArrayList<>();
        private final List<String> drainNames = new ArrayList<>();
        private CheckpointSession session;
        private Watchdog.Armed lease;
        private boolean running = true;
        private boolean killed;
        private boolean held;

        LocalCheckpoint(HostJob job, CheckpointBackend backend, List<Fabric> fabrics, Path part) {
            this.job = job;
            this.backend = backend;
            this.who = "backend '" + backend.name() + "'";
            this.fabrics = fabrics;
            this.part = part;
        }

        synchronized void open() throws CheckpointException {
            job.pids().forEach(reaper::hold);
            held = true;
            session = call(who, "prepare", () -> backend.openCheckpoint(job));
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public synchronized List<Endpoint> freeze() throws CheckpointException {
            lease = watchdog.arm(); // from here until the job runs again, a platform that stops is ended
            running = false;
            List<FrozenProcess> frozen = call(who, "freeze", session::freeze);
            List<Endpoint> endpoints = new ArrayList<>();
            for (Fabric f : fabrics) {
                String fw = "fabric '" + f.name() + "'";
                FabricCheckpoint fc = call(fw, "discover", () -> f.openCheckpoint(job, frozen));
                drains.add(fc);
                drainNames.add(f.name());
                for (Endpoint e : call(fw, "discover", fc::discover)) {
                    // the agent, not the fabric, knows which host of the job it is
                    endpoints.add(new Endpoint(e.fabric(), host, e.pid(), e.fd(), e.kind(), e.local(), e.remote()));
                }
            }
            if (backend.capabilities().contains(BackendCapability.FABRIC_ACCESS)) {
                UnclaimedSockets.refuse(job, frozen, endpoints);
            }
            return endpoints;
        }

        @Override
        public synchronized void drain(List<Channel> channels) throws CheckpointException {
            for (int i = 0; i < drains.size(); i++) {
                String name = drainNames.get(i);
                List<Channel> mine = channels.stream().filter(c -> c.a().fabric().equals(name)).toList();
                FabricCheckpoint fc = drains.get(i);
                run("fabric '" + name + "'", "drain", () -> fc.drain(mine));
            }
        }

        @Override
        public synchronized void settle() throws CheckpointException {
            for (int i = 0; i < drains.size(); i++) {
                run("fabric '" + drainNames.get(i) + "'", "settle", drains.get(i)::settle);
            }
        }

        @Override
        public synchronized Map<String, byte[]> taken() throws CheckpointException {
            Map<String, byte[]> all = new java.util.LinkedHashMap<>();
            for (int i = 0; i < drains.size(); i++) {
                all.putAll(call("fabric '" + drainNames.get(i) + "'", "settle", drains.get(i)::taken));
            }
            return all;
        }

        @Override
        public synchronized void sendAgain(Map<String, byte[]> bytes) throws CheckpointException {
            for (int i = 0; i < drains.size(); i++) {
                FabricCheckpoint fc = drains.get(i);
                run("fabric '" + drainNames.get(i) + "'", "hand-over", () -> fc.sendAgain(bytes));
            }
        }

        @Override
        public synchronized HostPart dump() throws CheckpointException {
            DumpResult dump = call(who, "dump", () -> session.dump(part));
            List<String> warnings = new ArrayList<>(dump.warnings());
            List<String> files = new ArrayList<>(dump.files());
            for (int i = 0; i < drains.size(); i++) {
                FabricCheckpoint fc = drains.get(i);
                String fw = "fabric '" + drainNames.get(i) + "'";
                warnings.addAll(call(fw, "save", fc::warnings));
                files.addAll(call(fw, "save", () -> fc.save(part)));
            }
            String prefix = folder + "/";
            Map<String, String> digests = new HashMap<>();
            dump.digests().forEach((name, sha) -> digests.put(prefix + name, sha));
            List<String> named = files.stream().map(f -> prefix + f).toList();
            HostPart vote = new HostPart(new HostRecord(host, dump.records(), named, folder), dump.bytes(), digests, warnings);
            if (!forCoordinatorElsewhere) {
                return vote;
            }
            // the coordinator's manifest will list this part's files, which it cannot read: every one with its digest
            try {
                return vote.withFiles(store.seal().digest(part, dump.digests()).stream()
                        .map(d -> new io.quiesce.api.image.FileDigest(prefix + d.name(), d.size(), d.sha256())).toList());
            } catch (IOException e) {
                throw new CheckpointException("cannot digest this host's part " + part + ": " + e.getMessage(), e);
            }
        }

        @Override
        public synchronized void resume() throws CheckpointException {
            resumeFabrics();
            run(who, "resume", session::resume);
            running = true;
            endLease();
        }

        @Override
        public synchronized void kill() throws CheckpointException {
            run(who, "kill", session::kill);
            killed = true;
            endLease();
        }

        private void resumeFabrics() throws CheckpointException {
            for (int i = 0; i < drains.size(); i++) {
                FabricCheckpoint fc = drains.get(i);
                run("fabric '" + drainNames.get(i) + "'", "resume", fc::resume);
            }
        }

        @Override
        public synchronized void abort() {
            if (!running && !killed) {
                try {
                    resumeFabrics();
                } catch (CheckpointException e) {
                    LOG.error("abort: channels could not all be put back: {}", e.getMessage());
                }
                if (session != null) {
                    try {
                        session.resume();
                        running = true;
                    } catch (CheckpointException | RuntimeException e) {
                        LOG.error("abort: processes could not all be resumed: {}", e.getMessage());
                    }
                }
            }
            try {
                store.discard(part);
            } catch (IOException e) {
                LOG.error("abort: cannot delete staging folder {}: {}", part, e.getMessage());
            }
        }

        private void endLease() {
            if (lease != null) {
                lease.close();
                lease = null;
            }
        }

        @Override
        public synchronized void close() {
            for (FabricCheckpoint fc : drains) {
                fc.close();
            }
            if (session != null) {
                session.close();
            }
            endLease();
            if (held) {
                job.pids().forEach(reaper::release);
                held = false;
            }
        }
    }

    /** One restart of a host part on this host. */
    private final class LocalRestart implements HostRestart {
        private final Path part;
        private final CheckpointBackend backend;
        private final String who;
        private final List<Fabric> fabrics;
        private final Rendezvous rendezvous;
        private final RestoreOptions options;
        private final List<FabricRestore> rebuilt = new ArrayList<>();
        private RestoreSession session;

        LocalRestart(Path part, CheckpointBackend backend, List<Fabric> fabrics, Rendezvous rendezvous, RestoreOptions options) {
            this.part = part;
            this.backend = backend;
            this.who = "backend '" + backend.name() + "'";
            this.fabrics = fabrics;
            this.rendezvous = rendezvous;
            this.options = options;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public synchronized void restore() throws CheckpointException {
            session = call(who, "restore", () -> backend.openRestore(part, options));
            List<FrozenProcess> restored = call(who, "restore", session::restore);
            for (Fabric f : fabrics) {
                rebuilt.add(call("fabric '" + f.name() + "'", "reconnect", () -> f.openRestore(part, restored, rendezvous, options)));
            }
        }

        @Override
        public synchronized Map<String, String> listen() throws CheckpointException {
            for (int i = 0; i < rebuilt.size(); i++) {
                run("fabric '" + fabrics.get(i).name() + "'", "listen", rebuilt.get(i)::listen);
            }
            return Map.of(); // published straight into this host's rendezvous
        }

        @Override
        public synchronized void reconnect(Map<String, String> published) throws CheckpointException {
            for (int i = 0; i < rebuilt.size(); i++) {
                run("fabric '" + fabrics.get(i).name() + "'", "reconnect", rebuilt.get(i)::reconnect);
            }
        }

        @Override
        public synchronized void refill() throws CheckpointException {
            for (int i = 0; i < rebuilt.size(); i++) {
                run("fabric '" + fabrics.get(i).name() + "'", "refill", rebuilt.get(i)::refill);
            }
        }

        @Override
        public synchronized List<Long> release() throws CheckpointException {
            List<Long> pids = call(who, "release", session::release);
            if (pids.isEmpty()) {
                throw new CheckpointException(who + " released no process");
            }
            return pids;
        }

        @Override
        public synchronized List<String> warnings() {
            List<String> out = new ArrayList<>(session == null ? List.of() : session.warnings());
            rebuilt.forEach(fr -> out.addAll(fr.warnings()));
            return out;
        }

        @Override
        public synchronized void close() {
            for (FabricRestore fr : rebuilt) {
                fr.close();
            }
            if (session != null) {
                session.close();
            }
        }
    }
}
