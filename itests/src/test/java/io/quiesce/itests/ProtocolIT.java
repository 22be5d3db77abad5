package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointHook;
import io.quiesce.api.CheckpointRequest;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.CheckpointService;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HookEvent;
import io.quiesce.api.HostJob;
import io.quiesce.api.ImageException;
import io.quiesce.api.JobInfo;
import io.quiesce.api.LaunchRequest;
import io.quiesce.api.NoSuchJobException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.UnavailableException;
import io.quiesce.api.VetoException;
import io.quiesce.api.image.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The coordinator's quiesce protocol on real processes, through a backend registered by this test that freezes
 * with SIGSTOP, "dumps" what /proc says about each stopped process, and resumes with SIGCONT. It checks the
 * platform's promises independently of any real checkpointer: commit rules, abort on failure with every process
 * resumed and the previous checkpoint intact, hooks and vetoes, and an operation keeping its backend when the
 * service goes away mid-flight.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ProtocolIT {
    @Inject
    private BundleContext context;
    @Inject
    private CheckpointService service;

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final SignalBackend backend = new SignalBackend();
    private final RecordingHook hook = new RecordingHook();
    private JobInfo job;

    @Configuration
    public Option[] config() {
        return PlatformOptions.platform(PlatformOptions.newHome("protocol"));
    }

    @Before
    public void setUp() throws Exception {
        registrations.add(context.registerService(CheckpointBackend.class, backend, props(CheckpointBackend.NAME, "signal", "service.ranking", 1)));
        registrations.add(context.registerService(CheckpointHook.class, hook, props("name", "recorder")));
        job = service.launch(new LaunchRequest(List.of("sh", "-c", "sleep 300 & sleep 300 & wait"), null, null,
                Path.of("/tmp"), null, null, "signal"));
        assertTrue("the launched tree is the shell and its two sleeps",
                PlatformOptions.await(5000, () -> jobPids().size() == 3));
    }

    @After
    public void tearDown() {
        registrations.forEach(r -> {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // the test unregistered it already
            }
        });
        jobPids().forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }

    private List<Long> jobPids() {
        try {
            return service.job(job.id()).pids();
        } catch (NoSuchJobException e) {
            return List.of();
        }
    }

    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    /** @return the folder of this host's part in a checkpoint, as its manifest names it */
    private Path part(CheckpointResult r) throws CheckpointException {
        Manifest m = service.inspect(r.checkpoint().toString());
        assertEquals(1, m.hosts().size());
        return m.hosts().get(0).folderIn(r.checkpoint());
    }

    private CheckpointResult checkpoint(boolean kill) throws CheckpointException {
        return service.checkpoint(new CheckpointRequest(job.id(), "signal", kill));
    }

    @Test
    public void commitWritesEverythingPrivatelyAndResumesTheJob() throws Exception {
        CheckpointResult r = checkpoint(false);
        assertEquals(1, r.epoch());
        assertEquals(service.storeFolder(job.id()).resolve("1"), r.checkpoint());
        assertEquals("every process was stopped while it was dumped", List.of('T', 'T', 'T'), backend.statesAtDump);
        assertTrue("the job runs again", jobPids().stream().allMatch(p -> state(p) != 'T'));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(r.checkpoint())));
        for (String f : List.of("manifest.json", "restart.sh")) {
            assertTrue(f, Files.isRegularFile(r.checkpoint().resolve(f)));
        }
        Path part = part(r); // the backend's files lie in this host's part folder
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(part)));
        assertTrue(Files.isRegularFile(part.resolve("processes.txt")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(part.resolve("processes.txt"))));
        Manifest m = service.inspect(job.id());
        assertEquals("signal", m.backend());
        assertEquals(1, m.epoch());
        assertTrue("tcp fabric took part", m.fabrics().contains("tcp"));
        assertEquals(List.of("before-freeze 1", "after-commit 1 " + r.checkpoint()), hook.events);
        CheckpointResult second = checkpoint(false);
        assertEquals(2, second.epoch());
        assertEquals(second.checkpoint(), service.storeFolder(job.id()).resolve(Files.readSymbolicLink(service.storeFolder(job.id()).resolve("latest"))));
        assertEquals(List.of(1L, 2L), service.checkpoints(job.id()).stream().map(c -> c.epoch()).toList());
        assertEquals(2, service.job(job.id()).epochs());
    }

    @Test
    public void aFailedDumpResumesEveryProcessAndKeepsThePreviousCheckpoint() throws Exception {
        CheckpointResult good = checkpoint(false);
        backend.failDump = true;
        CheckpointException e = PlatformOptions.expect(CheckpointException.class, () -> checkpoint(true));
        assertTrue(e.getMessage(), e.getMessage().contains("disk full (simulated)"));
        assertTrue("a half-written staging folder was created before the failure", backend.stagingSeen != null);
        assertFalse("and deleted by the abort", Files.exists(backend.stagingSeen));
        assertEquals("no process stays stopped", 3, jobPids().stream().filter(p -> state(p) != 'T' && state(p) != '?').count());
        assertEquals("the previous checkpoint is still the latest", List.of(good.epoch()),
                service.checkpoints(job.id()).stream().map(c -> c.epoch()).toList());
        assertTrue(service.checkpoints(job.id()).get(0).latest());
        assertTrue(hook.events.get(hook.events.size() - 1).startsWith("after-abort 2"));
        // a plug-in's runtime exception is reported with who and where, and handled the same way
        backend.failDump = false;
        backend.crashDump = true;
        CheckpointException crash = PlatformOptions.expect(CheckpointException.class, () -> checkpoint(false));
        assertTrue(crash.getMessage(), crash.getMessage().startsWith("backend 'signal' failed in dump: java.lang.IllegalStateException"));
        assertTrue(jobPids().stream().noneMatch(p -> state(p) == 'T'));
    }

    @Test
    public void aVetoStopsTheCheckpointBeforeAnythingIsFrozen() throws Exception {
        hook.veto = "the simulation is writing its own output";
        VetoException v = PlatformOptions.expect(VetoException.class, () -> checkpoint(false));
        assertEquals("the simulation is writing its own output", v.getMessage());
        assertEquals("nothing was frozen", 0, backend.freezes);
        assertTrue(service.checkpoints(job.id()).isEmpty());
    }

    @Test
    public void killAfterCommitEndsTheJobAndRestartRoutesByBackendName() throws Exception {
        CheckpointResult r = checkpoint(true);
        assertTrue(r.killed());
        assertTrue("the job's processes are gone", PlatformOptions.await(5000, () -> jobPids().isEmpty()));
        assertEquals("checkpointed", service.job(job.id()).state().name().toLowerCase());
        NotSupportedException ns = PlatformOptions.expect(NotSupportedException.class,
                () -> service.restart(new RestartRequest(job.id(), Map.of(), false)));
        assertTrue(ns.getMessage(), ns.getMessage().contains("signal backend restores nothing"));
        registrations.get(0).unregister();
        UnavailableException gone = PlatformOptions.expect(UnavailableException.class,
                () -> service.restart(new RestartRequest(r.checkpoint().toString(), Map.of(), false)));
        assertTrue(gone.getMessage(), gone.getMessage().contains("backend 'signal', which is not installed"));
        Files.writeString(r.checkpoint().resolve("manifest.json"), "{\"magic\":\"quiesce-checkpoint\",\"formatVersion\":1,\"jobId\"");
        ImageException corrupt = PlatformOptions.expect(ImageException.class,
                () -> service.restart(new RestartRequest(r.checkpoint().toString(), Map.of(), false)));
        assertTrue(corrupt.getMessage(), corrupt.getMessage().startsWith(r.checkpoint().resolve("manifest.json").toString()));
    }

    @Test
    public void anOperationInFlightKeepsTheBackendItStartedWith() throws Exception {
        backend.dumpGate = new CountDownLatch(1);
        CompletableFuture<CheckpointResult> running = CompletableFuture.supplyAsync(() -> {
            try {
                return checkpoint(false);
            } catch (CheckpointException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(backend.dumpEntered.await(10, TimeUnit.SECONDS));
        registrations.get(0).unregister(); // the backend's bundle goes away mid-checkpoint
        assertTrue(service.backends().stream().noneMatch(b -> b.name().equals("signal")));
        CheckpointException busy = PlatformOptions.expect(CheckpointException.class, () -> checkpoint(false));
        assertTrue(busy.getMessage(), busy.getMessage().contains("not installed") || busy.getMessage().contains("busy"));
        backend.dumpGate.countDown();
        CheckpointResult r = running.get(20, TimeUnit.SECONDS);
        assertEquals("signal", r.backend());
        assertTrue(Files.isRegularFile(part(r).resolve("processes.txt")));
        assertTrue(jobPids().stream().noneMatch(p -> state(p) == 'T'));
        assertEquals(List.of("signal"), service.checkpoints(job.id()).stream().map(c -> c.backend()).toList());
    }

    private static Hashtable<String, Object> props(Object... kv) {
        Hashtable<String, Object> t = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            t.put((String) kv[i], kv[i + 1]);
        }
        return t;
    }

    private static void signal(String sig, List<Long> pids) throws CheckpointException {
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        try {
            if (new ProcessBuilder(cmd).inheritIO().start().waitFor() != 0) {
                throw new CheckpointException("kill -" + sig + " " + pids + " failed");
            }
        } catch (IOException | InterruptedException e) {
            throw new CheckpointException("kill -" + sig + ": " + e, e);
        }
    }

    /** Freezes with SIGSTOP, records /proc state, resumes with SIGCONT. Cannot restore (it says so). */
    private static final class SignalBackend implements CheckpointBackend {
        volatile boolean failDump;
        volatile boolean crashDump;
        volatile CountDownLatch dumpGate;
        final CountDownLatch dumpEntered = new CountDownLatch(1);
        volatile List<Character> statesAtDump = List.of();
        volatile Path stagingSeen;
        volatile int freezes;

        @Override
        public String name() {
            return "signal";
        }

        @Override
        public Availability availability() {
            return Availability.yes();
        }

        @Override
        public Set<BackendCapability> capabilities() {
            return Set.of(BackendCapability.CONTINUE_AFTER_CHECKPOINT, BackendCapability.KILL_AFTER_CHECKPOINT);
        }

        @Override
        public CheckpointSession openCheckpoint(HostJob job) {
            return new CheckpointSession() {
                private boolean frozen;

                @Override
                public List<FrozenProcess> freeze() throws CheckpointException {
                    freezes++;
                    signal("STOP", job.pids());
                    frozen = true;
                    // SIGSTOP is asynchronous: wait until /proc shows every process stopped
                    long deadline = System.currentTimeMillis() + 5000;
                    while (job.pids().stream().anyMatch(p -> state(p) != 'T') && System.currentTimeMillis() < deadline) {
                        Thread.onSpinWait();
                    }
                    return job.pids().stream().map(p -> (FrozenProcess) new FrozenProcess() {
                        @Override
                        public long pid() {
                            return p;
                        }

                        @Override
                        public <T> Optional<T> facility(Class<T> type) {
                            return Optional.empty();
                        }
                    }).toList();
                }

                @Override
                public DumpResult dump(Path staging) throws CheckpointException {
                    stagingSeen = staging;
                    dumpEntered.countDown();
                    try {
                        if (dumpGate != null && !dumpGate.await(20, TimeUnit.SECONDS)) {
                            throw new CheckpointException("gate never opened");
                        }
                        statesAtDump = job.pids().stream().map(ProtocolIT::state).toList();
                        Path f = staging.resolve("processes.txt");
                        Files.writeString(f, job.pids() + " " + statesAtDump + "\n");
                        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
                        if (failDump) {
                            throw new CheckpointException("disk full (simulated)", -1, "ENOSPC", f, null);
                        }
                        if (crashDump) {
                            throw new IllegalStateException("bug in a third-party backend");
                        }
                        return new DumpResult(Files.size(f), List.of("processes.txt"), job.pids(), List.of());
                    } catch (IOException | InterruptedException e) {
                        throw new CheckpointException("dump: " + e, e);
                    }
                }

                @Override
                public void resume() throws CheckpointException {
                    if (frozen) {
                        signal("CONT", job.pids());
                        frozen = false;
                    }
                }

                @Override
                public void kill() throws CheckpointException {
                    signal("KILL", job.pids());
                    frozen = false;
                }

                @Override
                public void close() {
                    try {
                        resume();
                    } catch (CheckpointException e) {
                        // processes already gone
                    }
                }
            };
        }

        @Override
        public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
            throw new NotSupportedException("the signal backend restores nothing");
        }
    }

    /** Records the phases it is told about; vetoes when asked to. */
    private static final class RecordingHook implements CheckpointHook {
        final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile String veto;

        @Override
        public void beforeFreeze(HookEvent e) throws VetoException {
            events.add("before-freeze " + e.epoch());
            if (veto != null) {
                throw new VetoException(veto);
            }
        }

        @Override
        public void afterCommit(HookEvent e) {
            events.add("after-commit " + e.epoch() + " " + e.checkpoint());
        }

        @Override
        public void afterAbort(HookEvent e, CheckpointException cause) {
            events.add("after-abort " + e.epoch() + " " + cause.getMessage());
        }
    }
}
