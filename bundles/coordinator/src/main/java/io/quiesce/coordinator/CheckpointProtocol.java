package io.quiesce.coordinator;

import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointHook;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.Endpoint;
import io.quiesce.api.HookEvent;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.RestartResult;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.CheckpointStore;
import io.quiesce.coordinator.store.ManifestCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quiesce protocol as named phases over the hosts' agents, each phase a {@link Barrier} with a deadline.
 *
 * <p>Checkpoint: prepare → freeze → (pairing) → drain → (settle → hand-over, for channels between hosts) → dump (every host's vote) → resume, if the job continues →
 * commit → kill, if asked. Until commit, any failure on any host aborts on every host: channels put back, every
 * process resumed, every staged part and the staging folder deleted; the previous checkpoint and {@code latest} stay
 * as they were. A job that continues runs again as soon as every part is durable, before the commit is written; a
 * commit that fails then leaves it running with nothing committed, as an abort does.
 *
 * <p>Restart: restore → listen → reconnect → refill → release, each on every host; any failure before release kills what
 * was rebuilt on every host.
 */
final class CheckpointProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointProtocol.class);

    private final ExecutorService pool;
    private final IntSupplier phaseSeconds;

    /**
     * @param pool         runs phases on several hosts at once
     * @param phaseSeconds each phase's deadline over all hosts, read at each operation
     */
    CheckpointProtocol(ExecutorService pool, IntSupplier phaseSeconds) {
        this.pool = pool;
        this.phaseSeconds = phaseSeconds;
    }

    private Barrier barrier() {
        return new Barrier(pool, Duration.ofSeconds(Math.max(1, phaseSeconds.getAsInt())));
    }

    /** What to checkpoint, and where the result goes. */
    record Order(Job job, List<HostAgent> agents, String backend, List<String> fabrics, boolean saveFiles, boolean kill,
            List<CheckpointHook> hooks, CheckpointStore store, String restartLine) {
    }

    CheckpointResult checkpoint(Order o) throws CheckpointException {
        long t0 = System.nanoTime();
        JobRecord r = o.job().record();
        long epoch;
        try {
            epoch = o.store().nextEpoch(r.id());
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint store " + o.store().jobFolder(r.id()) + ": " + e.getMessage(), e);
        }
        HookEvent before = new HookEvent(r.id(), r.name(), epoch, null, o.backend());
        for (CheckpointHook h : o.hooks()) {
            PluginCall.run("hook " + h.getClass().getName(), "before-freeze", () -> h.beforeFreeze(before));
        }
        Path staging;
        try {
            staging = o.store().stage(r.id(), epoch);
        } catch (IOException e) {
            throw new CheckpointException("cannot create staging folder in " + o.store().jobFolder(r.id()) + ": " + e.getMessage(), e);
        }
        CheckpointPlan plan = new CheckpointPlan(r.id(), r.name(), epoch, o.backend(), o.fabrics(), o.saveFiles());
        Barrier barrier = barrier();
        List<HostCheckpoint> hosts = new ArrayList<>();
        boolean committed = false;
        boolean resumed = false;
        boolean draining = false;
        List<Channel> pairedChannels = List.of();
        try {
            // prepare: every host opens its part; one that cannot take part fails the checkpoint before any freeze
            prepare(o.agents(), plan, hosts);
            long frozenAt = System.nanoTime();
            List<List<Endpoint>> found = barrier.all("freeze", hosts, HostCheckpoint::host, HostCheckpoint::freeze);
            long frozenEnd = System.nanoTime();
            List<Endpoint> endpoints = found.stream().flatMap(List::stream).toList();
            List<Channel> channels = ChannelPairing.pair(r.id() + ":" + epoch, endpoints);
            pairedChannels = channels;
            boolean betweenHosts = channels.stream().anyMatch(CheckpointProtocol::betweenHosts);
            draining = betweenHosts;
            barrier.all("drain", hosts, HostCheckpoint::host, h -> {
                h.drain(channels.stream().filter(c -> c.a().host().equals(h.host())).toList());
                return null;
            });
            if (betweenHosts) {
                handOver(barrier, hosts, channels);
                draining = false;
            }
            long drainedAt = System.nanoTime();
            List<HostPart> parts = barrier.all("dump", hosts, HostCheckpoint::host, HostCheckpoint::dump);
            long dumpedAt = System.nanoTime();
            long resumedAt = 0;
            if (!o.kill()) {
                barrier.all("resume", hosts, HostCheckpoint::host, h -> {
                    h.resume();
                    return null;
                });
                resumed = true;
                resumedAt = System.nanoTime();
            }
            // commit: the checkpoint exists exactly when the manifest listing every host's part is written
            List<HostRecord> records = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            Map<String, String> digests = new HashMap<>();
            List<io.quiesce.api.image.FileDigest> elsewhere = new ArrayList<>();
            long bytes = 0;
            for (HostPart p : parts) {
                elsewhere.addAll(p.files());
                records.add(p.record());
                String prefix = parts.size() > 1 ? "host " + p.record().host() + ": " : "";
                p.warnings().forEach(w -> warnings.add(prefix + w));
                digests.putAll(p.digests());
                bytes += p.bytes();
            }
            Manifest manifest = new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, r.id(), r.name(), r.argv(), epoch,
                    Instant.now().toString(), o.backend(), o.fabrics(), records, bytes, warnings);
            Path committedFolder;
            try {
                // an agent's vote is checked as a manifest read back would be, before it can be committed
                manifest.withFiles(elsewhere).check(staging.resolve(ImageFormat.MANIFEST));
                committedFolder = o.store().commit(staging, manifest, o.restartLine(), digests, elsewhere);
            } catch (io.quiesce.api.ImageException e) {
                throw new CheckpointException("cannot commit checkpoint " + staging + ": a host's part is invalid: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new CheckpointException("cannot commit checkpoint " + staging + ": " + e.getMessage(), -1, null, staging, e);
            }
            committed = true;
            // the decision is made: parts staged on other hosts move into place (a host that cannot be told now
            // asks at its next join: two-phase commit)
            Manifest committedManifest = ManifestCodec.read(committedFolder.resolve(ImageFormat.MANIFEST));
            List<String> told = barrier.all("commit", hosts, HostCheckpoint::host, h -> h.committed(committedManifest));
            told.stream().filter(java.util.Objects::nonNull).forEach(warnings::add);
            HookEvent after = new HookEvent(r.id(), r.name(), epoch, committedFolder, o.backend());
            for (CheckpointHook h : o.hooks()) {
                try {
                    h.afterCommit(after);
                } catch (RuntimeException e) {
                    LOG.warn("hook {} failed after commit of {}: {}", h.getClass().getName(), committedFolder, e.toString());
                }
            }
            if (o.kill()) {
                barrier.all("kill", hosts, HostCheckpoint::host, h -> {
                    h.kill();
                    return null;
                });
            }
            long end = System.nanoTime();
            long paused = ((o.kill() ? end : resumedAt) - frozenAt) / 1_000_000;
            LOG.info("checkpoint of job {} epoch {} committed at {} ({} bytes from {} host{}, {} ms, paused {} ms: freeze {} ms, drain {} ms, dump {} ms{})",
                    r.id(), epoch, committedFolder, bytes, parts.size(), parts.size() == 1 ? "" : "s", (end - t0) / 1_000_000, paused,
                    (frozenEnd - frozenAt) / 1_000_000, (drainedAt - frozenEnd) / 1_000_000, (dumpedAt - drainedAt) / 1_000_000,
                    o.kill() ? ", killed" : "");
            return new CheckpointResult(r.id(), committedFolder, epoch, bytes, (end - t0) / 1_000_000, paused, o.backend(),
                    o.fabrics(), o.kill(), warnings);
        } catch (CheckpointException e) {
            if (!committed) {
                if (draining) {
                    salvage(hosts, pairedChannels, e);
                }
                abort(hosts, o.store(), staging);
                for (CheckpointHook h : o.hooks()) {
                    try {
                        h.afterAbort(before, e);
                    } catch (RuntimeException ex) {
                        LOG.warn("hook {} failed after abort: {}", h.getClass().getName(), ex.toString());
                    }
                }
                LOG.warn("checkpoint of job {} aborted, job {}: {}", r.id(), resumed ? "running on" : "resumed", e.getMessage());
                throw e;
            }
            throw new CheckpointException("checkpoint committed, but then: " + e.getMessage(), e.pid(), e.errno(), e.path(), e);
        } finally {
            hosts.forEach(HostCheckpoint::close);
        }
    }

    /** @return whether the channel joins processes on two hosts */
    static boolean betweenHosts(Channel c) {
        return c.b() != null && !c.b().host().equals(c.a().host());
    }

    /**
     * Phases settle and hand-over, for channels between hosts: once every host drained (nothing its ends sent is
     * unacknowledged), every host stops reading its ends and gives what it took; each channel's bytes go to the
     * host of the channel's sending end, which saves them and sends them again on resume and at restart.
     */
    private static void handOver(Barrier barrier, List<HostCheckpoint> hosts, List<Channel> channels) throws CheckpointException {
        List<Map<String, byte[]>> taken = barrier.all("settle", hosts, HostCheckpoint::host, h -> {
            h.settle();
            return h.taken();
        });
        Map<String, Map<String, byte[]>> byHost = new HashMap<>();
        for (int i = 0; i < hosts.size(); i++) {
            String receiver = hosts.get(i).host();
            for (Map.Entry<String, byte[]> t : taken.get(i).entrySet()) {
                Channel c = channels.stream().filter(x -> x.id().equals(t.getKey()) && x.a().host().equals(receiver) && betweenHosts(x))
                        .findFirst().orElseThrow(() -> new CheckpointException("host " + receiver + " handed over bytes of channel " + t.getKey()
                                + ", which is not one of its channels to another host"));
                byHost.computeIfAbsent(c.b().host(), k -> new HashMap<>()).put(c.id(), t.getValue());
            }
        }
        barrier.all("hand-over", hosts, HostCheckpoint::host, h -> {
            Map<String, byte[]> mine = byHost.get(h.host());
            if (mine != null) {
                h.sendAgain(mine);
            }
            return null;
        });
    }

    /**
     * A checkpoint failing while channels between hosts drain: what the hosts that still answer took from them is
     * handed over before the abort, so that the job loses none of it when it resumes. Best effort; never throws.
     */
    private static void salvage(List<HostCheckpoint> hosts, List<Channel> channels, CheckpointException cause) {
        LOG.warn("checkpoint failing while connections between hosts were drained ({}): handing over what was taken before the abort",
                cause.getMessage());
        Map<String, Map<String, byte[]>> byHost = new HashMap<>();
        for (HostCheckpoint h : hosts) {
            try {
                h.settle();
                for (Map.Entry<String, byte[]> t : h.taken().entrySet()) {
                    channels.stream().filter(x -> x.id().equals(t.getKey()) && x.a().host().equals(h.host()) && betweenHosts(x)).findFirst()
                            .ifPresent(c -> byHost.computeIfAbsent(c.b().host(), k -> new HashMap<>()).put(c.id(), t.getValue()));
                }
            } catch (CheckpointException | RuntimeException e) {
                LOG.warn("abort: host {} could not settle its connections to other hosts: {}", h.host(), e.getMessage());
            }
        }
        for (HostCheckpoint h : hosts) {
            Map<String, byte[]> mine = byHost.get(h.host());
            try {
                if (mine != null) {
                    h.sendAgain(mine);
                }
            } catch (CheckpointException | RuntimeException e) {
                LOG.error("abort: host {} could not take back {} bytes of its connections to other hosts: {}", h.host(),
                        mine.values().stream().mapToLong(b -> b.length).sum(), e.getMessage());
            }
        }
    }

    /**
     * Phase prepare on every agent. Each host's checkpoint joins {@code hosts} as soon as it opens, in the agents'
     * order, so that after a failure elsewhere the caller aborts and closes it; one that opens after the phase failed
     * (it missed the deadline) is aborted and closed at once.
     */
    private void prepare(List<HostAgent> agents, CheckpointPlan plan, List<HostCheckpoint> hosts) throws CheckpointException {
        HostCheckpoint[] slots = new HostCheckpoint[agents.size()];
        boolean[] over = new boolean[1];
        try {
            barrier().all("prepare", agents, HostAgent::host, a -> {
                HostCheckpoint h = a.prepare(plan);
                synchronized (slots) {
                    if (!over[0]) {
                        slots[agents.indexOf(a)] = h;
                        return h;
                    }
                }
                h.abort();
                h.close();
                return h;
            });
        } finally {
            synchronized (slots) {
                over[0] = true;
                for (HostCheckpoint h : slots) {
                    if (h != null) {
                        hosts.add(h);
                    }
                }
            }
        }
    }

    /** Aborts on every host at once; every host resumes whatever happens on the others. Never throws. */
    private void abort(List<HostCheckpoint> hosts, CheckpointStore store, Path staging) {
        try {
            barrier().all("abort", hosts, HostCheckpoint::host, h -> {
                h.abort();
                return null;
            });
        } catch (CheckpointException e) {
            LOG.error("abort: {}", e.getMessage());
        }
        try {
            store.discard(staging);
        } catch (IOException e) {
            LOG.error("abort: cannot delete staging folder {}: {}", staging, e.getMessage());
        }
    }

    /** What to restart: each host part with the agent that restores it. */
    record Placement(HostAgent agent, HostRecord part) {
    }

    /**
     * A restart's result, and the process trees each host released (each root first; a host that restored the parts
     * of several hosts has one per part).
     */
    record Restarted(RestartResult result, Map<String, List<List<Long>>> treesByHost) {
        List<Long> pids() {
            return result.pids();
        }
    }

    Restarted restart(Path folder, Manifest manifest, List<Placement> placements, RestartRequest request,
            List<CheckpointHook> hooks, List<String> notes) throws CheckpointException {
        Barrier barrier = barrier();
        LocalRendezvous rendezvous = new LocalRendezvous(); // one name service for every host of this restart
        List<HostRestart> hosts = new ArrayList<>();
        try {
            for (Placement p : placements) {
                hosts.add(p.agent().openRestart(new RestartPlan(folder, manifest, p.part(), request), rendezvous));
            }
            barrier.all("restore", hosts, HostRestart::host, h -> {
                h.restore();
                return null;
            });
            // listen: the accepting ends of channels between hosts listen; what each host published goes to all
            List<Map<String, String>> published = barrier.all("listen", hosts, HostRestart::host, HostRestart::listen);
            published.forEach(rendezvous::putAll);
            Map<String, String> names = rendezvous.snapshot();
            barrier.all("reconnect", hosts, HostRestart::host, h -> {
                h.reconnect(names);
                return null;
            });
            barrier.all("refill", hosts, HostRestart::host, h -> {
                h.refill();
                return null;
            });
            List<List<Long>> released = barrier.all("release", hosts, HostRestart::host, HostRestart::release);
            List<Long> pids = released.stream().flatMap(List::stream).toList();
            HookEvent ev = new HookEvent(manifest.jobId(), manifest.jobName(), manifest.epoch(), folder, manifest.backend());
            for (CheckpointHook h : hooks) {
                try {
                    h.afterRestart(ev);
                } catch (RuntimeException e) {
                    LOG.warn("hook {} failed after restart: {}", h.getClass().getName(), e.toString());
                }
            }
            List<String> warnings = new ArrayList<>(notes);
            for (HostRestart h : hosts) {
                String prefix = hosts.size() > 1 ? "host " + h.host() + ": " : "";
                h.warnings().forEach(w -> warnings.add(prefix + w));
            }
            warnings.forEach(w -> LOG.warn("restart of job {}: {}", manifest.jobId(), w));
            LOG.info("job {} restarted from {} as PIDs {}", manifest.jobId(), folder, pids);
            Map<String, List<List<Long>>> byHost = new java.util.LinkedHashMap<>();
            for (int i = 0; i < hosts.size(); i++) {
                byHost.computeIfAbsent(hosts.get(i).host(), h -> new ArrayList<>()).add(released.get(i));
            }
            return new Restarted(new RestartResult(manifest.jobId(), folder, pids, warnings), byHost);
        } catch (CheckpointException e) {
            LOG.warn("restart of job {} from {} failed, its restored processes killed: {}", manifest.jobId(), folder, e.getMessage());
            throw e;
        } finally {
            hosts.forEach(HostRestart::close);
        }
    }
}
