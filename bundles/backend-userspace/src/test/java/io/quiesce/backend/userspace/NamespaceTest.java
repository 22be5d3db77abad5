package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.HostJob;
import io.quiesce.api.LaunchSpec;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ZombieImage;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.process.Spawner;
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

/** Jobs launched through prepareLaunch: quiesce-init, a PID namespace of their own, PIDs given back at restart. */
public class NamespaceTest extends EngineTest {
    private final List<Integer> roots = new ArrayList<>();

    @After
    public void killNamespaces() {
        for (int r : roots) {
            killTree(r);
        }
    }

    /** Kills the namespace (through its PID 1) and the outer init. */
    private static void killTree(int outer) {
        try {
            for (long c : children(outer)) {
                LibC.INSTANCE.kill((int) c, LibC.SIGKILL);
            }
        } catch (Exception e) {
            // gone
        }
        Scenarios.kill(outer);
    }

    private static List<Long> children(long pid) throws Exception {
        String c = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
        List<Long> out = new ArrayList<>();
        for (String s : c.isEmpty() ? new String[0] : c.split(" ")) {
            out.add(Long.parseLong(s));
        }
        return out;
    }

    /** @return the tree below {@code root}, root first, parents before children (as the coordinator finds it) */
    private static List<Long> tree(long root) throws Exception {
        List<Long> out = new ArrayList<>(List.of(root));
        for (int i = 0; i < out.size(); i++) {
            out.addAll(children(out.get(i)));
        }
        return out;
    }

    private int launch(Path out, String name, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Scenarios.binary(name).toString()));
        argv.addAll(List.of(args));
        LaunchSpec spec = backend.prepareLaunch(new LaunchSpec(argv, Map.of("PATH", "/usr/bin:/bin"), root(), out, out));
        assertTrue(spec.argv().toString(), spec.argv().get(0).endsWith("quiesce-init"));
        int pid = (int) Spawner.spawn(spec);
        roots.add(pid);
        return pid;
    }

    private int waitExit(long pid) {
        int[] st = new int[1];
        assertEquals(pid, LibC.INSTANCE.waitpid((int) pid, st, 0));
        roots.remove((Integer) (int) pid);
        return st[0];
    }

    private HostJob job(long outer) throws Exception {
        List<Long> pids = tree(outer);
        return new HostJob("job1", "job1", outer, pids, root());
    }

    @Test(timeout = 30000)
    public void launchedTreeRunsAsPid2AndItsExitStatusComesBack() throws Exception {
        Path out = root().resolve("tree.out");
        int outer = launch(out, "tree00", "20");
        String rl = await(out, l -> l.startsWith("root a="), 5000);
        assertTrue(rl, field(rl, "a") < 10); // PIDs of a fresh namespace
        await(out, l -> l.startsWith("tree "), 5000);
        assertTrue(Files.readString(out).contains("tree ok"));
        // G is A's child (A forking G races the root forking B for PIDs 4 and 5)
        assertTrue(Files.readString(out), Files.readString(out).matches("(?s).*G tick=5 pid=[45] ppid=" + field(rl, "a") + "\n.*"));
        assertEquals("exited 0 through both inits", 0, waitExit(outer));
    }

    @Test(timeout = 30000)
    public void signalsAreForwardedAndTheExitStatusPropagated() throws Exception {
        Path out = root().resolve("sig.out");
        int outer = launch(out, "sigaction00");
        await(out, l -> l.startsWith("n=2 "), 5000);
        assertTrue(Files.readString(out), Files.readString(out).contains(" pid=2 "));
        LibC.INSTANCE.kill(outer, 10); // SIGUSR1: sigaction00 counts it in its handler
        await(out, l -> l.contains("usr1=1 "), 5000);
        LibC.INSTANCE.kill(outer, 15); // SIGTERM: default action, the job dies of it
        int st = waitExit(outer);
        assertEquals("killed by SIGTERM, as the job was", 15, st & 0x7f);
    }

    @Test(timeout = 30000)
    public void killingTheOuterInitEndsTheWholeNamespace() throws Exception {
        Path out = root().resolve("pipe.out");
        int outer = launch(out, "pipe00");
        await(out, l -> l.startsWith("child n=2"), 5000);
        List<Long> inside = tree(outer).subList(1, 4);
        LibC.INSTANCE.kill(outer, LibC.SIGKILL);
        assertEquals(LibC.SIGKILL, waitExit(outer) & 0x7f);
        long deadline = System.currentTimeMillis() + 5000;
        for (long p : inside) {
            while (runs(p)) {
                assertTrue("process " + p + " of the namespace outlived its outer init", System.currentTimeMillis() < deadline);
                Thread.sleep(10);
            }
        }
    }

    @Test(timeout = 30000)
    public void treeComesBackWithItsPidsAndWaitsForItsChildren() throws Exception {
        Path out = root().resolve("tree.out");
        int outer = launch(out, "tree00", "60");
        await(out, l -> l.startsWith("G tick=10 "), 5000);
        HostJob job = job(outer);
        assertEquals("outer init, PID 1, root, A, B, G: " + job.pids(), 6, job.pids().size());
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(job)) {
            s.freeze();
            assertTrue(s.dump(folder).warnings().isEmpty());
            s.kill();
        }
        roots.remove((Integer) outer);
        assertTrue(ImageFiles.readIndex(folder).pidNamespace());
        assertEquals("the two inits are not saved", 4, ImageFiles.readIndex(folder).processes().size());
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        List<Long> pids;
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
            rs.restore();
            pids = rs.release();
            assertEquals(rs.warnings().toString(), List.of(), rs.warnings());
        }
        roots.add((int) (long) pids.get(0));
        assertEquals("outer init, PID 1 and the four job processes", 6, pids.size());
        await(out, l -> l.startsWith("tree "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("tree ok"));
        assertFalse(all, all.contains("MISMATCH"));
        assertEquals("the restored job's exit status reaches the new outer init", 0, waitExit(pids.get(0)));
    }

    private List<String> lastWarnings = List.of();

    /**
     * Checkpoints the job of {@code outer} with kill, commits it and restores it in a fresh namespace.
     *
     * @return the largest {@code field} of the output's lines starting with {@code prefix} before the restore
     */
    private long killAndRestore(int outer, Path out, String prefix, String field) throws Exception {
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(job(outer))) {
            s.freeze();
            s.dump(folder);
            s.kill();
        }
        roots.remove((Integer) outer);
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        long before = Scenarios.lines(out).stream().filter(l -> l.startsWith(prefix)).mapToLong(l -> field(l, field)).max().orElseThrow();
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
            rs.restore();
            roots.add((int) (long) rs.release().get(0));
            lastWarnings = rs.warnings();
        }
        return before;
    }

    @Test(timeout = 30000)
    public void theJobsProcShowsItsOwnPidsBeforeAndAfterRestart() throws Exception {
        Path out = root().resolve("procself.out");
        int outer = launch(out, "procself00");
        String first = await(out, l -> l.startsWith("tick=3 "), 5000);
        assertEquals("PID 2 of its namespace, and /proc agrees", 2, field(first, "pid"));
        long before = killAndRestore(outer, out, "tick=", "tick");
        await(out, l -> l.startsWith("tick=") && field(l, "tick") > before + 3, 5000);
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH"));
    }

    @Test(timeout = 30000)
    public void sysvSegmentsKeepTheirShmidsInTheJobsOwnIpcNamespace() throws Exception {
        Path out = root().resolve("sysv.out");
        int outer = launch(out, "sysvshm00");
        await(out, l -> l.startsWith("child n=3 "), 5000);
        long before = killAndRestore(outer, out, "parent n=", "n");
        assertEquals("shmids come back through shm_next_id: " + lastWarnings, List.of(), lastWarnings);
        String l = await(out, x -> x.startsWith("parent n=") && field(x, "n") > before + 3, 5000);
        assertTrue(l, l.contains(" ids=same "));
        await(out, x -> x.startsWith("child n=") && field(x, "n") > before + 3, 5000);
        assertFalse(Files.readString(out).contains("MISMATCH"));
    }

    @Test(timeout = 30000)
    public void checkpointThatResumesLeavesTheInitsAndTheTreeRunning() throws Exception {
        Path out = root().resolve("tree.out");
        int outer = launch(out, "tree00", "40");
        await(out, l -> l.startsWith("G tick=10 "), 5000);
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(job(outer))) {
            s.freeze();
            s.dump(folder);
            s.resume();
        }
        await(out, l -> l.startsWith("tree "), 10000);
        assertTrue(Files.readString(out), Files.readString(out).contains("tree ok"));
        assertEquals(0, waitExit(outer));
    }

    @Test(timeout = 30000)
    public void pipeInsideTheNamespaceIsRestoredTwice() throws Exception {
        Path out = root().resolve("pipe.out");
        int outer = launch(out, "pipe00");
        await(out, l -> l.startsWith("child n=20 "), 5000);
        for (int generation = 1; generation <= 2; generation++) {
            HostJob job = job(outer);
            assertEquals("outer init, PID 1, parent, child: " + job.pids(), 4, job.pids().size());
            Path folder = Files.createDirectory(root().resolve("cp" + generation));
            try (CheckpointSession s = backend.openCheckpoint(job)) {
                s.freeze();
                s.dump(folder);
                s.kill();
            }
            roots.remove((Integer) outer);
            Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
            long inFlight = ImageFiles.readIndex(folder).pipes().get(0).bytes();
            assertTrue(inFlight > 0);
            long got = lastGot(out);
            List<Long> pids;
            try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
                rs.restore();
                pids = rs.release();
                assertEquals(rs.warnings().toString(), List.of(), rs.warnings());
            }
            outer = (int) (long) pids.get(0);
            roots.add(outer);
            // the child keeps its PID 3 of the namespace and reads on through every byte that was in flight
            await(out, l -> l.startsWith("child n=") && l.endsWith(" pid=3") && field(l, "got") > got + inFlight, 10000);
            String all = Files.readString(out);
            assertFalse(all, all.contains("MISMATCH") || all.contains("EOF"));
        }
    }

    @Test(timeout = 30000)
    public void zombiesComeBackWithTheirPidsAndStatusInTheNamespace() throws Exception {
        Path out = root().resolve("zombie.out");
        int outer = launch(out, "zombie00", "100");
        await(out, l -> l.startsWith("parent n=3 "), 5000);
        HostJob job = job(outer);
        assertEquals("the zombies are listed too, as /proc shows them (outer init, PID 1, parent, 2 zombies, child): " + job.pids(), 6, job.pids().size());
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(job)) {
            s.freeze();
            s.dump(folder);
            s.kill();
        }
        roots.remove((Integer) outer);
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        List<ZombieImage> zombies = ImageFiles.readIndex(folder).zombies();
        assertEquals(List.of(3L, 4L), zombies.stream().map(ZombieImage::nsPid).toList());
        List<Long> pids;
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
            rs.restore();
            pids = rs.release();
            assertEquals(rs.warnings().toString(), List.of(), rs.warnings());
        }
        roots.add((int) (long) pids.get(0));
        await(out, l -> l.startsWith("zombies "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("zombies ok"));
        assertEquals("the restored job's exit status reaches the new outer init", 0, waitExit(pids.get(0)));
    }

    @Test(timeout = 30000)
    public void processAdoptedByTheNamespaceInitIsForkedFromTheNewOne() throws Exception {
        Path out = root().resolve("orphan.out");
        int outer = launch(out, "zombie00", "100", "orphan");
        String first = await(out, l -> l.startsWith("orphan n=3 "), 5000);
        await(out, l -> l.startsWith("parent n=3 "), 5000);
        assertTrue("adopted by the namespace's init: " + first, first.endsWith(" ppid=1"));
        long orphan = field(first, "pid");
        HostJob job = job(outer);
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(job)) {
            s.freeze();
            s.dump(folder);
            s.kill();
        }
        roots.remove((Integer) outer);
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        long saved = field(Scenarios.lines(out).stream().filter(l -> l.startsWith("orphan n=")).reduce((x, y) -> y).orElseThrow(), "n");
        List<Long> pids;
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
            rs.restore();
            pids = rs.release();
            assertEquals(rs.warnings().toString(), List.of(), rs.warnings());
        }
        roots.add((int) (long) pids.get(0));
        String next = await(out, l -> l.startsWith("orphan n=" + (saved + 1) + " "), 5000);
        assertTrue("its PID back, the new init its parent: " + next, next.endsWith(" pid=" + orphan + " ppid=1"));
        await(out, l -> l.startsWith("zombies "), 10000);
        assertTrue(Files.readString(out).contains("zombies ok"));
        assertEquals(0, waitExit(pids.get(0)));
    }

    /** @return true while {@code pid} exists and is not a zombie */
    private static boolean runs(long pid) {
        try {
            return !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z ");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long lastGot(Path out) throws Exception {
        List<String> l = Scenarios.lines(out);
        for (int i = l.size() - 1; i >= 0; i--) {
            if (l.get(i).startsWith("child n=")) {
                return field(l.get(i), "got");
            }
        }
        return 0;
    }
    @Test(timeout = 30000)
    public void terminalSessionAndForegroundGroupComeBackInTheNamespace() throws Exception {
        Path out = root().resolve("pty02.out");
        Path go = root().resolve("go");
        int outer = launch(out, "pty02", go.toString());
        await(out, l -> l.startsWith("G ready "), 5000);
        await(out, l -> l.startsWith("P typed half"), 5000);
        Path folder = Files.createDirectory(root().resolve("cp"));
        try (CheckpointSession s = backend.openCheckpoint(job(outer))) {
            s.freeze();
            s.dump(folder);
            s.kill();
        }
        roots.remove((Integer) outer);
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        List<Long> pids;
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
            rs.restore();
            pids = rs.release();
        }
        roots.add((int) (long) pids.get(0));
        Files.createFile(go);
        // PID 2 holds the master; its child (3) leads the terminal's session, the grandchild (4) is its foreground group
        assertEquals("G line=abcdef fg=1 session=1 tty=1 pid=4", await(out, l -> l.startsWith("G line="), 10000));
        await(out, l -> l.startsWith("P echo "), 10000);
        assertTrue(Files.readString(out), Files.readString(out).contains("P echo ok pid=2"));
    }
}
