package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.DumpResult;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.linux.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.rules.TemporaryFolder;

/**
 * What every engine test needs: the backend activated as OSGi would, a private folder, and every process the test
 * started killed afterwards (subclasses' own {@code @After} methods run first).
 */
abstract class EngineTest {
    private static final int SIGUSR1 = 10;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** The backend under test. */
    protected UserspaceBackend backend;
    /** Children of this JVM the test started: killed and reaped afterwards. */
    protected final List<Integer> children = new ArrayList<>();
    /** Processes that are not children of this JVM (restored descendants): killed only. */
    protected final List<Integer> others = new ArrayList<>();

    @Before
    public void activateBackend() {
        backend = new UserspaceBackend();
        backend.activateWith(null);
    }

    @After
    public void killProcessesAndDeactivate() {
        others.forEach(p -> LibC.INSTANCE.kill(p, LibC.SIGKILL));
        children.forEach(Scenarios::kill);
        backend.deactivate();
    }

    /** Starts a scenario as a child of this JVM, killed after the test. */
    protected int start(String name, Path log, String... args) throws Exception {
        int pid = Scenarios.spawn(name, log, args);
        children.add(pid);
        return pid;
    }

    /** Restores a committed folder and releases it; the restored processes are killed after the test. */
    protected List<Long> restore(Path folder) throws Exception {
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), false))) {
            rs.restore();
            List<Long> pids = rs.release();
            pids.forEach(p -> children.add((int) (long) p));
            return pids;
        }
    }

    /** Starts a scenario that forks and prints {@code parent child=PID}; @return {parent, child} */
    protected int[] startPair(String name, Path out, String... args) throws Exception {
        int parent = Scenarios.spawn(name, out, args);
        children.add(parent);
        int child = (int) field(await(out, l -> l.startsWith("parent child="), 5000).replace("parent ", ""), "child");
        others.add(child);
        return new int[] { parent, child };
    }

    protected Path checkpoint(boolean kill, int... pids) throws Exception {
        Path folder = Files.createDirectory(root().resolve("cp" + System.nanoTime()));
        long[] l = new long[pids.length];
        for (int i = 0; i < pids.length; i++) {
            l[i] = pids[i];
        }
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), l))) {
            s.freeze();
            s.dump(folder);
            if (kill) {
                s.kill();
            } else {
                s.resume();
            }
        }
        if (kill) {
            for (int p : pids) {
                children.remove((Integer) p);
                others.remove((Integer) p);
            }
        }
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        return folder;
    }

    /** The image and warnings of the checkpoint that killed the scenario, and its restored PID. */
    protected record Run(ProcessImage image, List<String> warnings, long pid) {
    }

    /** Checks at start, after a resumed checkpoint, and after kill and restart. */
    protected Run cycle(String name, String tag, String... args) throws Exception {
        Path out = root().resolve(name + ".out");
        int pid = start(name, out, args);
        await(out, l -> l.startsWith(tag + " ready"), 5000);
        check(out, tag, pid);
        checkpoint(false, pid);
        check(out, tag, pid);
        Path folder = Files.createDirectory(root().resolve("cp-kill"));
        DumpResult dump;
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pid))) {
            s.freeze();
            dump = s.dump(folder);
            s.kill();
        }
        children.remove((Integer) pid);
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        long restored = restore(folder).get(0);
        check(out, tag, (int) restored);
        check(out, tag, (int) restored);
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH"));
        return new Run(ImageFiles.readProcess(folder.resolve("process-" + pid + ".json")), dump.warnings(), restored);
    }

    /**
     * Sends SIGUSR1 until the scenario reports one more check (a signal sent while the engine resumes it may only
     * wake it once it waits again), and fails on a MISMATCH.
     */
    protected static void check(Path out, String tag, int pid) throws Exception {
        String ok = tag + " ok n=";
        long before = Scenarios.lines(out).stream().filter(l -> l.startsWith(ok)).count();
        for (long deadline = System.currentTimeMillis() + 10000;;) {
            LibC.INSTANCE.kill(pid, SIGUSR1);
            for (long next = System.currentTimeMillis() + 300; System.currentTimeMillis() < next;) {
                List<String> lines = Scenarios.lines(out);
                String bad = lines.stream().filter(l -> l.contains("MISMATCH")).findFirst().orElse(null);
                assertTrue(bad, bad == null);
                if (lines.stream().filter(l -> l.startsWith(ok) && l.endsWith(" pid=" + pid)).count() > 0
                        && lines.stream().filter(l -> l.startsWith(ok)).count() > before) {
                    return;
                }
                Thread.sleep(10);
            }
            if (System.currentTimeMillis() > deadline) {
                fail("no new '" + ok + ".. pid=" + pid + "' in " + Scenarios.lines(out) + "; " + state(pid));
            }
        }
    }

    private static String state(int pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(x -> x.startsWith("State") || x.startsWith("Sig") || x.startsWith("Shd") || x.startsWith("TracerPid"))
                    .toList() + " syscall " + Files.readString(Path.of("/proc/" + pid + "/syscall"));
        } catch (java.io.IOException e) {
            return "gone: " + e;
        }
    }

    /** @return the test's private folder */
    protected Path root() {
        return tmp.getRoot().toPath();
    }
}
