package io.quiesce.coordinator;

import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.Rendezvous;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.CheckpointStore;
import io.quiesce.coordinator.store.ManifestCodec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Drives the platform's own {@link LocalAgent} through {@link CheckpointProtocol} for a fabric's tests: the same
 * phases, pairing, commit and abort as a running platform, on one backend and one fabric, without the registry.
 */
public final class LocalAgentDriver implements AutoCloseable {
    /** The host name of the single-host agent: names its part folder in each checkpoint. */
    public static final String HOST = "test-host";
    private final CheckpointStore store;
    private final CheckpointBackend backend;
    private final Fabric fabric;
    private final ChildReaper reaper = new ChildReaper();
    private final Watchdog watchdog = new Watchdog(() -> 30);
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final CheckpointProtocol protocol = new CheckpointProtocol(pool, () -> 120);
    private volatile FabricRestore lastRestore;

    /**
     * @param storeRoot where checkpoints are committed
     * @param backend   the backend
     * @param fabric    the fabric under test
     */
    public LocalAgentDriver(Path storeRoot, CheckpointBackend backend, Fabric fabric) {
        this.store = new CheckpointStore(storeRoot);
        this.backend = backend;
        this.fabric = fabric;
    }

    /**
     * Checkpoints a job as the platform does.
     *
     * @param job  the job's processes (its ID names its folder in the store)
     * @param kill end it once committed
     * @return the result, whose checkpoint folder {@link #restart} takes
     * @throws CheckpointException as the platform's checkpoint would fail; the job then runs on
     */
    public CheckpointResult checkpoint(HostJob job, boolean kill) throws CheckpointException {
        return checkpoint(Map.of(HOST, job), kill);
    }

    /**
     * Checkpoints a job whose pieces stand for several hosts, each with an agent of its own (named by the key), in
     * one protocol run: the same barriers, pairing, abort and commit as hosts of a cluster.
     *
     * @param pieces each host's piece of the job (the same job ID)
     * @param kill   end every piece once committed
     * @return the result
     * @throws CheckpointException as the platform's checkpoint would fail; every piece then runs on
     */
    public CheckpointResult checkpoint(Map<String, HostJob> pieces, boolean kill) throws CheckpointException {
        HostJob first = pieces.values().iterator().next();
        Job j = new Job(new JobRecord(first.jobId(), first.jobName(), List.of("test"), Instant.now().toString(), backend.name(),
                first.rootPid(), 0, null, false), first.jobFolder());
        List<HostAgent> agents = pieces.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> agent(e.getKey(), e.getValue())).toList();
        return protocol.checkpoint(new CheckpointProtocol.Order(j, agents, backend.name(), List.of(fabric.name()), false, kill,
                List.of(), store, "true"));
    }

    /** @return the store the checkpoints are committed to */
    public CheckpointStore store() {
        return store;
    }

    /**
     * Restarts a committed checkpoint as the platform does.
     *
     * @param folder    the checkpoint folder
     * @param jobFolder where the restored job's output goes
     * @param policy    what becomes of connections to peers outside the job
     * @return the released PIDs, root first
     * @throws CheckpointException as the platform's restart would fail; nothing restored runs then
     */
    public List<Long> restart(Path folder, Path jobFolder, ExternalPolicy policy) throws CheckpointException {
        Manifest m = ManifestCodec.read(folder.resolve(ImageFormat.MANIFEST));
        HostAgent agent = agent(HOST, new HostJob(m.jobId(), m.jobName(), 0, List.of(), jobFolder));
        return protocol.restart(folder, m, m.hosts().stream().map(h -> new CheckpointProtocol.Placement(agent, h)).toList(),
                new RestartRequest(folder.toString(), Map.of(), false, policy), List.of(), List.of()).pids();
    }

    /** @return the fabric's session of the last restart (closed), for its statistics */
    public FabricRestore lastRestore() {
        return lastRestore;
    }

    private HostAgent agent(String host, HostJob job) {
        return new LocalAgent(host, new LocalAgent.Platform() {
            @Override
            public CheckpointBackend backend(String name) {
                return backend;
            }

            @Override
            public Fabric fabric(String name) {
                return recording();
            }

            @Override
            public HostJob piece(String jobId, boolean saveFiles) {
                return job;
            }

            @Override
            public Path jobFolder(String jobId, String jobName) {
                return job.jobFolder();
            }
        }, store, reaper, watchdog, false);
    }

    /** The fabric under test, keeping its last restore session for the test to read. */
    private Fabric recording() {
        return new Fabric() {
            @Override
            public String name() {
                return fabric.name();
            }

            @Override
            public io.quiesce.api.Availability availability() {
                return fabric.availability();
            }

            @Override
            public io.quiesce.api.FabricCheckpoint openCheckpoint(HostJob j, List<FrozenProcess> frozen) throws CheckpointException {
                return fabric.openCheckpoint(j, frozen);
            }

            @Override
            public FabricRestore openRestore(Path folder, List<FrozenProcess> restored, Rendezvous rendezvous) throws CheckpointException {
                return openRestore(folder, restored, rendezvous, null);
            }

            @Override
            public FabricRestore openRestore(Path folder, List<FrozenProcess> restored, Rendezvous rendezvous, RestoreOptions options)
                    throws CheckpointException {
                FabricRestore r = fabric.openRestore(folder, restored, rendezvous, options);
                lastRestore = r;
                return r;
            }
        };
    }

    @Override
    public void close() {
        watchdog.close();
        reaper.close();
        pool.shutdown();
    }
}
