package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;

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

    /** @return the test's private folder */
    protected Path root() {
        return tmp.getRoot().toPath();
    }
}
