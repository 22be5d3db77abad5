package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.proc.ProcStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A process tree whose parents wait for their children by PID (tree00). */
public class TreeTest extends EngineTest {
    /** Starts tree00; @return root, A, B, G */
    private long[] startTree(Path out) throws Exception {
        int r = Scenarios.spawn("tree00", out, "60");
        children.add(r);
        String rl = await(out, l -> l.startsWith("root a="), 5000);
        String al = await(out, l -> l.startsWith("A child="), 5000);
        long[] pids = { r, field(rl, "a"), field(rl, "b"), field(al.substring(2), "child") };
        for (int i = 1; i < 4; i++) {
            others.add((int) pids[i]);
        }
        await(out, l -> l.startsWith("G tick=10 "), 5000);
        return pids;
    }

    private int waitExit(long pid) {
        int[] st = new int[1];
        assertEquals(pid, LibC.INSTANCE.waitpid((int) pid, st, 0));
        children.remove((Integer) (int) pid);
        return st[0];
    }

    private static long ppid(long pid) throws Exception {
        return ProcStat.read(Path.of("/proc"), pid).ppid();
    }

    @Test(timeout = 30000)
    public void treeRunsOnAfterACheckpointThatResumes() throws Exception {
        Path out = root().resolve("tree.out");
        long[] pids = startTree(out);
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pids))) {
            s.freeze();
            s.dump(folder);
            s.resume();
        }
        await(out, l -> l.startsWith("tree "), 10000);
        assertTrue(Files.readString(out), Files.readString(out).contains("tree ok"));
        assertEquals("root exited 0", 0, waitExit(pids[0]));
    }

    @Test(timeout = 30000)
    public void treeIsRebuiltByForkingFromTheRestoredParents() throws Exception {
        Path out = root().resolve("tree.out");
        long[] pids = startTree(out);
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pids))) {
            s.freeze();
            s.dump(folder);
            s.kill();
        }
        children.clear();
        others.clear();
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        List<Long> now;
        List<String> warnings;
        long[] ppids = new long[4];
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), false))) {
            List<io.quiesce.api.FrozenProcess> frozen = rs.restore();
            for (int i = 1; i < 4; i++) {
                ppids[i] = ppid(frozen.get(i).pid()); // while stopped: a parent that ends at once cannot reparent them
            }
            now = rs.release();
            warnings = rs.warnings();
        }
        assertEquals("root first, every process", 4, now.size());
        children.add((int) (long) now.get(0));
        for (int i = 1; i < 4; i++) {
            others.add((int) (long) now.get(i));
        }
        System.out.println("tree restore warnings: " + warnings);
        assertEquals("A is the restored root's child", (long) now.get(0), ppids[1]);
        assertEquals("B is the restored root's child", (long) now.get(0), ppids[2]);
        assertEquals("G is the restored A's child", (long) now.get(1), ppids[3]);
        assertTrue(warnings.toString(), warnings.contains("process " + pids[0] + " runs on as PID " + now.get(0)));
        boolean exact = true;
        for (int i = 1; i < 4; i++) {
            exact &= now.get(i) == pids[i];
        }
        if (!exact) {
            // without the right to choose PIDs (unprivileged, no PID namespace) the children have new PIDs, and a
            // waitpid by the saved PID cannot reach them: the warnings must say so
            assertTrue(warnings.toString(), warnings.stream().anyMatch(w -> w.contains("could not get its PID " + pids[1] + " back")));
            return;
        }
        await(out, l -> l.startsWith("tree "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("tree ok"));
        assertFalse(all, all.contains("MISMATCH"));
        assertEquals("the restored root exited 0", 0, waitExit(now.get(0)));
    }
}
