package io.quiesce.coordinator;

import io.quiesce.api.BackendCapability;
import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointHook;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.Endpoint;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HookEvent;
import io.quiesce.api.HostJob;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.RestartResult;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.process.ProcFs;
import io.quiesce.coordinator.store.CheckpointStore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phases of the quiesce protocol for one host, in order, with abort on any failure.
 *
 * <p>Checkpoint: prepare → freeze → drain → dump → commit → resume or kill. Until commit, any failure resumes
 * every process, puts back what fabrics drained, and deletes the staging folder: the previous checkpoint and the
 * {@code latest} link stay as they were. Restart: restore → reconnect → refill → release; any failure before
 * release kills what was rebuilt.
 *
 * <p>Plug-ins are third-party code: a runtime exception from one is turned into a {@link CheckpointException}
 * naming the plug-in and phase, and handled like any other failure.
 */
final class CheckpointProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointProtocol.class);

    private final ProcFs proc;
    private final ChildReaper reaper;
    private final Watchdog watchdog;

    CheckpointProtocol(ProcFs proc, ChildReaper reaper, Watchdog watchdog) {
        this.proc = proc;
        this.reaper = reaper;
        this.watchdog = watchdog;
    }

    /** A step of a plug-in that may throw. */
    private interface Step<T> {
        T run() throws CheckpointException;
    }

    private static <T> T call(String who, String phase, Step<T> step) throws CheckpointException {
        try {
            return step.run();
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(who + " failed in " + phase + ": " + e, e);
        }
    }

    CheckpointResult checkpoint(Job job, List<Long> pids, CheckpointBackend backend, List<Fabric> fabrics,
            List<CheckpointHook> hooks, CheckpointStore store, boolean kill, String restartLine,
            boolean saveFiles) throws CheckpointException {
        long t0 = System.nanoTime();
        JobRecord r = job.record();
        String who = "backend '" + backend.name() + "'";
        long epoch;
        try {
            epoch = store.nextEpoch(r.id());
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint store " + store.jobFolder(r.id()) + ": " + e.getMessage(), e);
        }
        HookEvent before = new HookEvent(r.id(), r.name(), epoch, null, backend.name());
        for (CheckpointHook h : hooks) {
            call("hook " + h.getClass().getName(), "before-freeze", () -> {
                h.beforeFreeze(before);
                return null;
            });
        }
        // prepare
        HostJob hostJob = new HostJob(r.id(), r.name(), r.rootPid(), pids, job.folder, saveFiles);
        Path staging;
        try {
            staging = store.stage(r.id(), epoch);
        } catch (IOException e) {
            throw new CheckpointException("cannot create staging folder in " + store.jobFolder(r.id()) + ": " + e.getMessage(), e);
        }
        pids.forEach(reaper::hold);
        List<FabricCheckpoint> drains = new ArrayList<>();
        List<String> fabricNames = new ArrayList<>();
        boolean committed = false;
        boolean resumed = false;
        long frozenAt = 0;
        CheckpointSession session = null;
        Watchdog.Armed deadline = null;
        try {
            session = call(who, "prepare", () -> backend.openCheckpoint(hostJob));
            deadline = watchdog.arm(); // from here until the job runs again, a platform that stops is ended
            CheckpointSession s = session;
            // freeze
            frozenAt = System.nanoTime();
            List<FrozenProcess> frozen = call(who, "freeze", s::freeze);
            long frozenEnd = System.nanoTime();
            // drain
            List<Endpoint> endpoints = new ArrayList<>();
            for (Fabric f : fabrics) {
                String fw = "fabric '" + f.name() + "'";
                FabricCheckpoint fc = call(fw, "discover", () -> f.openCheckpoint(hostJob, frozen));
                drains.add(fc);
                fabricNames.add(f.name());
                endpoints.addAll(call(fw, "discover", fc::discover));
            }
            if (backend.capabilities().contains(BackendCapability.FABRIC_ACCESS)) {
                UnclaimedSockets.refuse(hostJob, frozen, endpoints);
            }
            List<Channel> channels = ChannelPairing.pair(r.id() + ":" + epoch, endpoints);
            for (int i = 0; i < drains.size(); i++) {
                FabricCheckpoint fc = drains.get(i);
                String name = fabricNames.get(i);
                List<Channel> mine = channels.stream().filter(c -> c.a().fabric().equals(name)).toList();
                call("fabric '" + name + "'", "drain", () -> {
                    fc.drain(mine);
                    return null;
                });
            }
            // dump
            long drainedAt = System.nanoTime();
            DumpResult dump = call(who, "dump", () -> s.dump(staging));
            List<String> warnings = new ArrayList<>(dump.warnings());
            for (int i = 0; i < drains.size(); i++) {
                String name = fabricNames.get(i);
                FabricCheckpoint fc = drains.get(i);
                warnings.addAll(call("fabric '" + name + "'", "save", fc::warnings));
            }
            List<String> files = new ArrayList<>(dump.files());
            for (int i = 0; i < drains.size(); i++) {
                FabricCheckpoint fc = drains.get(i);
                files.addAll(call("fabric '" + fabricNames.get(i) + "'", "save", () -> fc.save(staging)));
            }
            long dumpedAt = System.nanoTime();
            // resume, when the job continues: every image is written and durable, so the job runs on while the
            // commit is written; a commit that fails then leaves it running with nothing committed, as an abort does
            long resumedAt = 0;
            if (!kill) {
                resumeFabrics(drains, fabricNames);
                call(who, "resume", () -> {
                    s.resume();
                    return null;
                });
                resumed = true;
                resumedAt = System.nanoTime();
                deadline.close();
                deadline = null;
            }
            // commit
            Manifest manifest = new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, r.id(), r.name(), r.argv(), epoch,
                    Instant.now().toString(), backend.name(), fabricNames, List.of(new HostRecord(hostName(), dump.records(), files)),
                    dump.bytes(), warnings);
            Path committedFolder;
            try {
                committedFolder = store.commit(staging, manifest, restartLine, dump.digests());
            } catch (IOException e) {
                throw new CheckpointException("cannot commit checkpoint " + staging + ": " + e.getMessage(), -1, null, staging, e);
            }
            committed = true;
            HookEvent after = new HookEvent(r.id(), r.name(), epoch, committedFolder, backend.name());
            for (CheckpointHook h : hooks) {
                try {
                    h.afterCommit(after);
                } catch (RuntimeException e) {
                    LOG.warn("hook {} failed after commit of {}: {}", h.getClass().getName(), committedFolder, e.toString());
                }
            }
            // kill, once committed
            if (kill) {
                call(who, "kill", () -> {
                    s.kill();
                    return null;
                });
            }
            long end = System.nanoTime();
            long paused = ((kill ? end : resumedAt) - frozenAt) / 1_000_000;
            LOG.info("checkpoint of job {} epoch {} committed at {} ({} bytes, {} ms, paused {} ms: freeze {} ms, drain {} ms, dump {} ms{})",
                    r.id(), epoch, committedFolder, dump.bytes(), (end - t0) / 1_000_000, paused, (frozenEnd - frozenAt) / 1_000_000,
                    (drainedAt - frozenEnd) / 1_000_000, (dumpedAt - drainedAt) / 1_000_000, kill ? ", killed" : "");
            return new CheckpointResult(r.id(), committedFolder, epoch, dump.bytes(), (end - t0) / 1_000_000, paused, backend.name(),
                    fabricNames, kill, warnings);
        } catch (CheckpointException e) {
            if (!committed) {
                abort(resumed ? null : session, resumed ? List.of() : drains, fabricNames, store, staging);
                for (CheckpointHook h : hooks) {
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
            for (FabricCheckpoint fc : drains) {
                fc.close();
            }
            if (session != null) {
                session.close();
            }
            if (deadline != null) {
                deadline.close();
            }
            pids.forEach(reaper::release);
        }
    }

    private void resumeFabrics(List<FabricCheckpoint> drains, List<String> names) throws CheckpointException {
        for (int i = 0; i < drains.size(); i++) {
            FabricCheckpoint fc = drains.get(i);
            call("fabric '" + names.get(i) + "'", "resume", () -> {
                fc.resume();
                return null;
            });
        }
    }

    private void abort(CheckpointSession session, List<FabricCheckpoint> drains, List<String> names, CheckpointStore store, Path staging) {
        try {
            resumeFabrics(drains, names);
        } catch (CheckpointException e) {
            LOG.error("abort: channels could not all be put back: {}", e.getMessage());
        }
        if (session != null) {
            try {
                session.resume();
            } catch (CheckpointException | RuntimeException e) {
                LOG.error("abort: processes could not all be resumed: {}", e.getMessage());
            }
        }
        try {
            store.discard(staging);
        } catch (IOException e) {
            LOG.error("abort: cannot delete staging folder {}: {}", staging, e.getMessage());
        }
    }

    RestartResult restart(Job job, Path folder, Manifest manifest, CheckpointBackend backend, List<Fabric> fabrics,
            RestartRequest request, List<CheckpointHook> hooks, List<String> notes) throws CheckpointException {
        String who = "backend '" + backend.name() + "'";
        RestoreOptions options = new RestoreOptions(job.folder, job.folder.resolve("output.log"), request.relocations(), request.exactPids(),
                request.external(), request.keepFiles());
        List<FabricRestore> rebuilt = new ArrayList<>();
        RestoreSession session = call(who, "restore", () -> backend.openRestore(folder, options));
        try {
            List<FrozenProcess> restored = call(who, "restore", session::restore);
            LocalRendezvous rendezvous = new LocalRendezvous();
            for (Fabric f : fabrics) {
                rebuilt.add(call("fabric '" + f.name() + "'", "reconnect", () -> f.openRestore(folder, restored, rendezvous, options)));
            }
            for (int i = 0; i < rebuilt.size(); i++) {
                FabricRestore fr = rebuilt.get(i);
                call("fabric '" + fabrics.get(i).name() + "'", "reconnect", () -> {
                    fr.reconnect();
                    return null;
                });
            }
            for (int i = 0; i < rebuilt.size(); i++) {
                FabricRestore fr = rebuilt.get(i);
                call("fabric '" + fabrics.get(i).name() + "'", "refill", () -> {
                    fr.refill();
                    return null;
                });
            }
            List<Long> pids = call(who, "release", session::release);
            if (pids.isEmpty()) {
                throw new CheckpointException(who + " released no process");
            }
            HookEvent ev = new HookEvent(manifest.jobId(), manifest.jobName(), manifest.epoch(), folder, backend.name());
            for (CheckpointHook h : hooks) {
                try {
                    h.afterRestart(ev);
                } catch (RuntimeException e) {
                    LOG.warn("hook {} failed after restart: {}", h.getClass().getName(), e.toString());
                }
            }
            List<String> warnings = new ArrayList<>(notes);
            warnings.addAll(session.warnings());
            warnings.forEach(w -> LOG.warn("restart of job {}: {}", manifest.jobId(), w));
            LOG.info("job {} restarted from {} as PIDs {}", manifest.jobId(), folder, pids);
            return new RestartResult(manifest.jobId(), folder, pids, warnings);
        } catch (CheckpointException e) {
            LOG.warn("restart of job {} from {} failed, its restored processes killed: {}", manifest.jobId(), folder, e.getMessage());
            throw e;
        } finally {
            for (FabricRestore fr : rebuilt) {
                fr.close();
            }
            session.close();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
