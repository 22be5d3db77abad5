package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.Availability;
import io.quiesce.api.BackendCapability;
import io.quiesce.api.CheckpointBackend;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointRequest;
import io.quiesce.api.CheckpointService;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.Channel;
import io.quiesce.api.Endpoint;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.Rendezvous;
import io.quiesce.api.HostJob;
import io.quiesce.api.JobInfo;
import io.quiesce.api.JobState;
import io.quiesce.api.LaunchRequest;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.PluginInfo;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.UnavailableException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** Boots Felix with the built bundles and checks the platform as a user and a plug-in author would see it. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformIT {
    /** Set by {@link #config()} in the host; the test class is loaded again inside the framework, so it reads it back. */
    private final Path home = Path.of(System.getProperty("quiesce.home", "/nonexistent"));

    @Inject
    private BundleContext context;
    @Inject
    private CheckpointService service;
    @Inject
    private ServiceComponentRuntime scr;
    @Inject
    private CommandProcessor gogo;
    @Inject
    private ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        return PlatformOptions.platform(PlatformOptions.newHome("platform"));
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals(symbolicName)).findFirst().orElseThrow();
    }

    private static PluginInfo plugin(List<PluginInfo> list, String name) {
        return list.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no plug-in " + name + " in " + list));
    }

    @Test
    public void everyComponentOfOurBundlesIsActive() {
        int components = 0;
        for (String m : PlatformOptions.OURS) {
            Bundle b = bundle("io.quiesce." + m);
            assertEquals(m + " is active", Bundle.ACTIVE, b.getState());
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    assertEquals(d.name + " is active (" + c.failure + ")", ComponentConfigurationDTO.ACTIVE, c.state);
                    components++;
                }
            }
        }
        assertEquals("coordinator, commands, control port, remote exec socket, platform log, 2 backends, 3 fabrics", 10, components);
    }

    @Test
    public void crCommandsAreRegisteredAndRunInGogo() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=cr)");
        assertNotNull(refs);
        Set<String> functions = Arrays.stream(refs).flatMap(r -> Arrays.stream((String[]) r.getProperty("osgi.command.function")))
                .collect(Collectors.toSet());
        assertEquals(Set.of("launch", "jobs", "checkpoint", "restart", "checkpoints", "inspect", "backends", "fabrics", "status", "hosts"), functions);
        CommandSession session = gogo.createSession(System.in, System.out, System.err);
        try {
            String json = (String) session.execute("cr:backends --json");
            assertTrue(json, json.startsWith("[{\"name\":\"userspace\""));
            String after = (String) session.execute("cr:fabrics --json");
            assertTrue(after, after.contains("\"name\":\"tcp\",\"available\":true"));
            Exception e = PlatformOptions.expect(Exception.class, () -> session.execute("cr:checkpoint --kill"));
            assertTrue(e.getMessage(), e.getMessage().contains("checkpoint: missing JOB"));
        } finally {
            session.close();
        }
    }

    @Test
    public void availabilityIsAsOnThisMachine() {
        List<PluginInfo> backends = service.backends();
        PluginInfo userspace = plugin(backends, "userspace");
        assertEquals(PlatformOptions.userspaceShouldBeAvailable(), userspace.available());
        assertEquals("userspace", service.status().selectedBackend());
        PluginInfo blcr = plugin(backends, "blcr");
        assertFalse(blcr.available());
        assertTrue(blcr.reason(), blcr.reason().contains("/proc/checkpoint/ctrl") && blcr.reason().contains("3.17"));
        List<PluginInfo> fabrics = service.fabrics();
        assertTrue(plugin(fabrics, "tcp").available());
        PluginInfo verbs = plugin(fabrics, "verbs");
        assertFalse("this machine has no RDMA device", verbs.available());
        assertTrue(verbs.reason(), verbs.reason().contains("/sys/class/infiniband"));
        PluginInfo mx = plugin(fabrics, "mx");
        assertFalse(mx.available());
        assertTrue(mx.reason(), mx.reason().contains("/dev/mx"));
    }

    @Test
    public void aRefusedCheckpointLeavesTheJobRunningAndTheStoreClean() throws Exception {
        // a process holds a pidfd on fd 3: the userspace engine cannot save that yet and must say so
        JobInfo job = service.launch(new LaunchRequest(List.of("sh", "-c",
                "python3 -c 'import os, time; os.dup2(os.pidfd_open(os.getpid()), 3); time.sleep(60)' | cat"), "it-dir", null, home, null,
                null, null));
        assertEquals(JobState.RUNNING, job.state());
        assertTrue(PlatformOptions.await(5000, () -> pids(job).size() >= 3 && pids(job).stream().anyMatch(p -> comm(p).equals("cat"))
                && pids(job).stream().anyMatch(p -> {
                    try {
                        return java.nio.file.Files.readSymbolicLink(Path.of("/proc/" + p + "/fd/3")).toString().contains("pidfd");
                    } catch (java.io.IOException e) {
                        return false;
                    }
                })));
        List<Long> before = pids(job);
        NotSupportedException ns = PlatformOptions.expect(NotSupportedException.class,
                () -> service.checkpoint(new CheckpointRequest("it-dir", null, true)));
        assertTrue(ns.getMessage(), ns.getMessage().contains("fd 3 (anon_inode:[pidfd])") && ns.getMessage().contains("not supported yet"));
        UnavailableException un = PlatformOptions.expect(UnavailableException.class,
                () -> service.checkpoint(new CheckpointRequest(job.id(), "blcr", false)));
        assertTrue(un.getMessage(), un.getMessage().contains("'blcr' is unavailable"));
        List<Long> pids = pids(job);
        assertEquals("the job survives both refusals", before, pids);
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            assertTrue("PID " + pid + " is neither stopped nor traced: " + state, state != 'T' && state != 't');
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            assertTrue("PID " + pid + " is not traced any more", status.contains("TracerPid:\t0\n"));
        }
        Path store = service.storeFolder(job.id());
        try (var s = Files.exists(store) ? Files.list(store) : java.util.stream.Stream.<Path>empty()) {
            assertEquals("no checkpoint and no staging folder left", List.of(), s.toList());
        }
        assertTrue(service.checkpoints(job.id()).isEmpty());
        ProcessHandle.of(job.rootPid()).orElseThrow().destroy(); // SIGTERM to the shell first: the reaper records 128+15
        pids.stream().skip(1).forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroy));
        assertTrue(PlatformOptions.await(5000, () -> {
            try {
                return service.job(job.id()).state() == JobState.EXITED;
            } catch (CheckpointException e) {
                return false;
            }
        }));
        assertEquals(Integer.valueOf(143), service.job(job.id()).exitStatus());
        assertTrue(Files.isRegularFile(job.folder().resolve("job.json")));
    }

    @Test
    public void aProcessKilledWhileFrozenAbortsTheCheckpointAndTheOthersRunOn() throws Exception {
        JobInfo job = service.launch(new LaunchRequest(List.of("sh", "-c", "sleep 60 & sleep 60; wait"), "it-killed", null, home, null, null, null));
        assertTrue(PlatformOptions.await(5000, () -> pids(job).stream().filter(p -> comm(p).equals("sleep")).count() == 2));
        long good = service.checkpoint(new CheckpointRequest(job.id(), null, false)).epoch();
        List<Long> before = pids(job);
        long victim = before.get(before.size() - 1);
        // a fabric takes part between freeze and dump: this one SIGKILLs a frozen process there
        ServiceRegistration<Fabric> killer = context.registerService(Fabric.class, new Fabric() {
            @Override
            public String name() {
                return "killer";
            }

            @Override
            public Availability availability() {
                return Availability.yes();
            }

            @Override
            public FabricCheckpoint openCheckpoint(HostJob hostJob, List<FrozenProcess> frozen) {
                ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
                return new FabricCheckpoint() {
                    @Override
                    public List<Endpoint> discover() {
                        return List.of();
                    }

                    @Override
                    public void drain(List<Channel> channels) {
                    }

                    @Override
                    public List<String> save(Path stagingFolder) {
                        return List.of();
                    }

                    @Override
                    public void resume() {
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) {
                throw new UnsupportedOperationException();
            }
        }, props(Fabric.NAME, "killer"));
        try {
            CheckpointException e = PlatformOptions.expect(CheckpointException.class,
                    () -> service.checkpoint(new CheckpointRequest(job.id(), null, false)));
            assertTrue(e.getMessage(), e.getMessage().contains("process " + victim + " ") && e.getMessage().contains("killed by signal 9")
                    && e.getMessage().contains("during the checkpoint"));
        } finally {
            killer.unregister();
        }
        for (long pid : before) {
            if (pid == victim) {
                continue;
            }
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            assertTrue("PID " + pid + " is neither stopped nor traced: " + state, state != 'T' && state != 't');
            assertTrue("PID " + pid + " is not traced any more", Files.readString(Path.of("/proc/" + pid + "/status")).contains("TracerPid:\t0\n"));
        }
        assertEquals("the previous checkpoint is still the only one, and the latest", List.of(good),
                service.checkpoints(job.id()).stream().map(c -> c.epoch()).toList());
        assertTrue(service.checkpoints(job.id()).get(0).latest());
        try (var s = Files.list(service.storeFolder(job.id()))) {
            assertTrue("no staging folder left", s.noneMatch(p -> p.getFileName().toString().startsWith(".staging")));
        }
        pids(job).forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private List<Long> pids(JobInfo job) {
        try {
            return service.job(job.id()).pids();
        } catch (CheckpointException e) {
            return List.of();
        }
    }

    @Test
    public void stoppingTheSelectedBackendBundleFallsBackWithoutRestart() throws Exception {
        Bundle userspace = bundle("io.quiesce.backend-userspace");
        userspace.stop();
        try {
            assertTrue(PlatformOptions.await(5000, () -> service.backends().stream().noneMatch(b -> b.name().equals("userspace"))));
            assertNull("blcr is unavailable here, so nothing is selected", service.status().selectedBackend());
            JobInfo job = service.launch(new LaunchRequest(List.of("sleep", "30"), null, null, home, null, null, null));
            UnavailableException none = PlatformOptions.expect(UnavailableException.class,
                    () -> service.checkpoint(new CheckpointRequest(job.id(), null, false)));
            assertTrue(none.getMessage(), none.getMessage().contains("no checkpoint backend is available"));
            // another available backend appears (as a third-party bundle would register it): it is taken at once
            ServiceRegistration<CheckpointBackend> probe = context.registerService(CheckpointBackend.class, new ProbeBackend(),
                    props(CheckpointBackend.NAME, "probe", "service.ranking", 10));
            try {
                assertEquals("probe", service.status().selectedBackend());
                userspace.start();
                assertTrue(PlatformOptions.await(5000, () -> "userspace".equals(service.status().selectedBackend())));
            } finally {
                probe.unregister();
            }
            ProcessHandle.of(job.rootPid()).ifPresent(ProcessHandle::destroy);
        } finally {
            if (userspace.getState() != Bundle.ACTIVE) {
                userspace.start();
            }
        }
        assertEquals("userspace", service.status().selectedBackend());
    }

    @Test
    public void configAdminChoosesTheBackend() throws Exception {
        org.osgi.service.cm.Configuration cfg = configAdmin.getConfiguration("io.quiesce.coordinator", "?");
        cfg.update(props("backend", "blcr"));
        try {
            JobInfo job = service.launch(new LaunchRequest(List.of("sleep", "30"), null, null, home, null, null, "userspace"));
            assertTrue(PlatformOptions.await(5000, () -> {
                try {
                    service.checkpoint(new CheckpointRequest(job.id(), null, false));
                    return false;
                } catch (CheckpointException e) {
                    return e.getMessage().contains("'blcr' is unavailable");
                }
            }));
            assertNull("the configured backend is unavailable, so none is selected", service.status().selectedBackend());
            ProcessHandle.of(job.rootPid()).ifPresent(ProcessHandle::destroy);
        } finally {
            cfg.delete();
        }
        assertTrue(PlatformOptions.await(5000, () -> "userspace".equals(service.status().selectedBackend())));
    }

    @Test
    public void bundlesDroppedIntoTheDeployFolderComeAndGo() throws Exception {
        Path jar = home.resolve("deploy").resolve("example-plugin.jar");
        Files.copy(PlatformOptions.ourJar("example-plugin"), jar, StandardCopyOption.REPLACE_EXISTING);
        assertTrue("example backend appears", PlatformOptions.await(15000, () -> service.backends().stream().anyMatch(b -> b.name().equals("example"))));
        assertTrue("example fabric appears", PlatformOptions.await(5000, () -> service.fabrics().stream().anyMatch(b -> b.name().equals("example"))));
        PluginInfo example = plugin(service.backends(), "example");
        assertFalse(example.available());
        assertEquals("io.quiesce.example-plugin", example.bundle());
        assertEquals("an unavailable plug-in is never selected", "userspace", service.status().selectedBackend());
        Files.delete(jar);
        assertTrue("example backend goes", PlatformOptions.await(15000, () -> service.backends().stream().noneMatch(b -> b.name().equals("example"))));
        // the bundle's two components are unregistered one after the other
        assertTrue("example fabric goes", PlatformOptions.await(5000, () -> service.fabrics().stream().noneMatch(b -> b.name().equals("example"))));
    }

    @Test
    public void controlPortRefusesAWrongTokenAndServesTheRightOne() throws Exception {
        String[] address = Files.readString(home.resolve("control")).trim().split(":");
        String token = Files.readString(home.resolve("token")).trim();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("token"))));
        String refused = exchange(address, "0123456789abcdef0123456789abcdef", "jobs");
        assertTrue(refused, refused.startsWith("{\"exit\":77") && refused.contains("refused"));
        String ok = exchange(address, token, "status");
        assertTrue(ok, ok.startsWith("{\"exit\":0") && ok.contains(home.toString()));
        String usage = exchange(address, token, "checkpoint");
        assertTrue(usage, usage.startsWith("{\"exit\":2") && usage.contains("missing JOB"));
    }

    /** The control protocol written out independently of the shell's code: the server's proof first, then ours. */
    private String exchange(String[] address, String token, String command) throws Exception {
        try (Socket s = new Socket(address[0], Integer.parseInt(address[1]))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String hello = in.readLine();
            assertTrue(hello, hello.startsWith("{\"quiesce\":2,") || hello.contains("\"quiesce\":2"));
            String sn = hello.replaceAll(".*\"nonce\":\"([0-9a-f]+)\".*", "$1");
            String cn = "0123456789abcdef0123456789abcdef";
            OutputStream out = s.getOutputStream();
            out.write(("{\"nonce\":\"" + cn + "\"}\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String proof = in.readLine().replaceAll(".*\"proof\":\"([0-9a-f]+)\".*", "$1");
            String real = Files.readString(home.resolve("token")).trim();
            assertEquals("the server proves it holds the token", hmac(real, "quiesce-server " + address[1] + " " + sn + " " + cn), proof);
            out.write(("{\"auth\":\"" + hmac(token, "quiesce-client " + address[1] + " " + sn + " " + cn) + "\"}\n"
                    + "{\"command\":\"" + command + "\",\"args\":[],\"cwd\":\"/\"}\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String reply = in.readLine();
            assertNull("one exchange per connection", in.readLine());
            return reply;
        }
    }

    private static String hmac(String key, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Dictionary<String, Object> props(Object... kv) {
        Hashtable<String, Object> t = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            t.put((String) kv[i], kv[i + 1]);
        }
        return t;
    }

    /** An available backend registered by the test, as a third party's would be; it is only selected, never run. */
    private static final class ProbeBackend implements CheckpointBackend {
        @Override
        public String name() {
            return "probe";
        }

        @Override
        public Availability availability() {
            return Availability.yes();
        }

        @Override
        public Set<BackendCapability> capabilities() {
            return Set.of();
        }

        @Override
        public CheckpointSession openCheckpoint(HostJob job) throws CheckpointException {
            throw new NotSupportedException("probe backend only tests selection");
        }

        @Override
        public RestoreSession openRestore(Path imageFolder, RestoreOptions options) throws CheckpointException {
            throw new NotSupportedException("probe backend only tests selection");
        }
    }
}
