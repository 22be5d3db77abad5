package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.HostJob;
import io.quiesce.api.LaunchSpec;
import io.quiesce.backend.userspace.ActivatedBackend;
import io.quiesce.backend.userspace.Scenarios;
import io.quiesce.backend.userspace.UserspaceBackend;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.coordinator.LocalAgentDriver;
import io.quiesce.api.CheckpointResult;
import io.quiesce.process.Spawner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.rules.TemporaryFolder;

/**
 * Drives the real userspace backend and this fabric through the platform's own local agent and protocol phases
 * (prepare → freeze (discover, the unclaimed-socket check) → pairing → drain → dump → resume → commit, or kill
 * after it; restore → reconnect → refill → release) on jobs launched as the platform launches them (quiesce-init, own PID
 * namespace). Scenario programs from src/test/c are compiled with gcc into target/scenarios.
 */
abstract class FabricTest {
    static final Path SRC = Path.of(System.getProperty("quiesce.scenarios.src", "src/test/c"));
    static final Path BIN = Path.of(System.getProperty("quiesce.scenarios.bin", "target/scenarios"));

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    protected UserspaceBackend backend;
    protected final TcpFabric fabric = new TcpFabric();
    /** outer inits of jobs still running: their namespaces are killed after the test */
    protected final List<Integer> roots = new ArrayList<>();
    /** the host name the tests' agent goes by: names its part folder in each checkpoint */
    static final String HOST = LocalAgentDriver.HOST;
    private LocalAgentDriver driver;
    /** the fabric's restore session of the last {@link #restart} (closed, but its refill report stays readable) */
    protected FabricRestore lastRestore;

    /** What a checkpoint gave. */
    record Checkpoint(Path folder, List<String> warnings, long pausedMillis, TcpImage image) {
    }

    @Before
    public void activate() {
        backend = ActivatedBackend.create();
    }

    @After
    public void killJobs() {
        for (int r : roots) {
            try {
                for (long c : children(r)) {
                    LibC.INSTANCE.kill((int) c, LibC.SIGKILL);
                }
            } catch (IOException e) {
                // gone
            }
            LibC.INSTANCE.kill(r, LibC.SIGKILL);
            LibC.INSTANCE.waitpid(r, new int[1], 0);
        }
        if (driver != null) {
            driver.close();
        }
        ActivatedBackend.deactivate(backend);
    }

    static synchronized Path binary(String name) throws IOException, InterruptedException {
        Path src = SRC.resolve(name + ".c").toAbsolutePath();
        Path bin = BIN.resolve(name).toAbsolutePath();
        if (!Files.exists(bin) || Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) < 0) {
            Files.createDirectories(BIN);
            // gcc is not traced, so ProcessBuilder is fine here
            Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                fail("gcc " + name + " failed: " + out);
            }
        }
        return bin;
    }

    /** Launches a scenario as the platform does (under quiesce-init, in its own PID namespace); @return the outer init */
    protected int launch(Path out, String name, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(binary(name).toString()));
        argv.addAll(List.of(args));
        LaunchSpec spec = backend.prepareLaunch(new LaunchSpec(argv, Map.of("PATH", "/usr/bin:/bin"), root(), out, out));
        int pid = (int) Spawner.spawn(spec);
        roots.add(pid);
        return pid;
    }

    protected Path root() {
        return tmp.getRoot().toPath();
    }

    static List<Long> children(long pid) throws IOException {
        String c = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
        List<Long> out = new ArrayList<>();
        for (String s : c.isEmpty() ? new String[0] : c.split(" ")) {
            out.add(Long.parseLong(s));
        }
        return out;
    }

    /** @return the job as the coordinator finds it: the tree below the outer init, parents first */
    static HostJob job(long outer, Path folder) throws IOException {
        List<Long> pids = new ArrayList<>(List.of(outer));
        for (int i = 0; i < pids.size(); i++) {
            pids.addAll(children(pids.get(i)));
        }
        return new HostJob("job1", "job1", outer, pids, folder);
    }

    /** A checkpoint through the platform's own agent and protocol; on failure the job is resumed, as the platform does. */
    protected Checkpoint checkpoint(int outer, boolean kill) throws Exception {
        CheckpointResult r = driver().checkpoint(job(outer, root()), kill);
        if (kill) {
            roots.remove((Integer) outer);
            LibC.INSTANCE.waitpid(outer, new int[1], 0);
        }
        return new Checkpoint(r.checkpoint(), r.warnings(), r.pauseMillis(), ImageStore.load(part(r.checkpoint())));
    }

    /** @return the folder of this host's part in a checkpoint */
    static Path part(Path checkpoint) {
        return checkpoint.resolve(HOST);
    }

    /** Restarts a checkpoint through the platform's own agent and protocol; @return the released PIDs (outer init first) */
    protected List<Long> restart(Path folder, ExternalPolicy policy) throws Exception {
        List<Long> pids;
        try {
            pids = driver().restart(folder, root(), policy);
        } finally {
            lastRestore = driver().lastRestore();
        }
        roots.add((int) (long) pids.get(0));
        return pids;
    }

    protected LocalAgentDriver driver() {
        if (driver == null) {
            driver = new LocalAgentDriver(root().resolve("store"), backend, fabric);
        }
        return driver;
    }

    /** Kills a running job (every process below the outer init, then it) and reaps the outer init. */
    protected void killJob(int outer) throws IOException {
        List<Long> pids = new ArrayList<>(List.of((long) outer));
        for (int i = 0; i < pids.size(); i++) {
            pids.addAll(children(pids.get(i)));
        }
        for (int i = pids.size() - 1; i >= 0; i--) {
            LibC.INSTANCE.kill((int) (long) pids.get(i), LibC.SIGKILL);
        }
        roots.remove((Integer) outer);
        LibC.INSTANCE.waitpid(outer, new int[1], 0);
    }

    /** Waits for the outer init to end; @return its raw wait status */
    protected int waitExit(int outer, long millis) throws Exception {
        int[] st = new int[1];
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            int r = LibC.INSTANCE.waitpid(outer, st, LibC.WNOHANG);
            if (r == outer) {
                roots.remove((Integer) outer);
                return st[0];
            }
            Thread.sleep(20);
        }
        fail("job " + outer + " did not end within " + millis + " ms");
        return -1;
    }

    static List<String> lines(Path file) throws IOException {
        return Scenarios.lines(file);
    }

    /** Waits for a line matching {@code p}; fails with the file's tail after {@code millis}. */
    static String await(Path file, Predicate<String> p, long millis) throws Exception {
        return Scenarios.await(file, p, millis);
    }

    /** Waits until the file has more than {@code n} lines. */
    static void awaitLines(Path file, int n, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (lines(file).size() <= n) {
            if (System.currentTimeMillis() > deadline) {
                fail(file + " did not grow past " + n + " lines within " + millis + " ms: " + lines(file));
            }
            Thread.sleep(10);
        }
    }

    /** Asserts the file has no MISMATCH/FAIL line. */
    static void clean(Path file) throws IOException {
        for (String l : lines(file)) {
            if (l.contains("MISMATCH") || l.contains("FAIL") || l.contains("failed")) {
                fail(file + ": " + l + "\n" + String.join("\n", lines(file)));
            }
        }
    }

    /** @return a one-line summary of what the checkpoint captured, per strategy */
    static String captured(Checkpoint c) {
        long peek = 0, drain = 0, pending = 0;
        for (TcpImage.SocketImage s : c.image().sockets()) {
            if (s.incoming() != null) {
                switch (s.incoming().strategy()) {
                    case "peek" -> peek += s.incoming().length();
                    case "drain" -> drain += s.incoming().length();
                    default -> pending += s.incoming().length();
                }
            }
        }
        return "sockets=" + c.image().sockets().size() + " peek=" + peek + " drain=" + drain + " pending=" + pending + " paused=" + c.pausedMillis()
                + "ms";
    }

    static void assertExit0(int status) {
        assertEquals("exit status (raw " + status + ")", 0, status);
    }
}
