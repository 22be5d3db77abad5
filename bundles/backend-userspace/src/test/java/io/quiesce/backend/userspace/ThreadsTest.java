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
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.process.Spawner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Test;

/**
 * Multi-threaded processes, launched through prepareLaunch (a PID namespace of their own, so every TID can be had
 * back at restart, also unprivileged): threads01 through continue and kill+restart, a group-stopped process, and a
 * shell loop forking short-lived children checkpointed again and again.
 */
public class ThreadsTest extends EngineTest {
    private final List<Integer> outers = new ArrayList<>();

    @After
    public void killNamespaces() throws Exception {
        for (int outer : outers) {
            for (long p : Scenarios.tree(outer)) {
                LibC.INSTANCE.kill((int) p, LibC.SIGKILL);
            }
            Scenarios.kill(outer);
        }
    }

    private int launch(Path out, List<String> argv) throws Exception {
        LaunchSpec spec = backend.prepareLaunch(new LaunchSpec(argv, Map.of("PATH", "/usr/bin:/bin"), root(), out, out));
        int pid = (int) Spawner.spawn(spec);
        outers.add(pid);
        return pid;
    }

    private HostJob job(long outer) throws Exception {
        return new HostJob("job1", "job1", outer, Scenarios.tree(outer), root());
    }

    /** Checkpoints the job; with {@code kill} ends it and restores it, @return the outer init now */
    private int checkpoint(int outer, Path folder, boolean kill) throws Exception {
        try (CheckpointSession s = backend.openCheckpoint(job(outer))) {
            s.freeze();
            s.dump(folder);
            if (!kill) {
                s.resume();
                return outer;
            }
            s.kill();
        }
        outers.remove((Integer) outer);
        Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), true))) {
            rs.restore();
            List<Long> pids = rs.release();
            assertEquals(rs.warnings().toString(), List.of(), rs.warnings());
            outers.add((int) (long) pids.get(0));
            return (int) (long) pids.get(0);
        }
    }

    private static long lastN(Path out) throws Exception {
        return field(await(out, l -> l.startsWith("n="), 5000), "n");
    }

    @Test(timeout = 60000)
    public void threadsComeBackWithTheirTidsThroughContinueAndRestart() throws Exception {
        Path out = root().resolve("threads.out");
        Path flag = root().resolve("robust-owner-ends");
        int outer = launch(out, List.of(Scenarios.binary("threads01").toString(), flag.toString()));
        await(out, l -> l.startsWith("n=3 "), 5000);
        Path cp1 = Files.createDirectory(root().resolve("cp1"));
        checkpoint(outer, cp1, false);
        long n = field(lastLine(out), "n");
        await(out, l -> l.startsWith("n=" + (n + 3) + " "), 5000);

        Path cp2 = Files.createDirectory(root().resolve("cp2"));
        int restored = checkpoint(outer, cp2, true);
        ProcessImage image = ImageFiles.readProcess(cp2.resolve(ImageFiles.readIndex(cp2).processes().get(0)));
        assertTrue("main, 8 workers (and maybe a short-lived one): " + image.threads().size(), image.threads().size() >= 9);
        assertTrue("SIGUSR2 pending in one thread's own queue", image.threads().stream()
                .anyMatch(t -> t.pending() != null && t.pending().stream().anyMatch(p -> p.signal() == 12 && !p.shared())));
        String before = lastLine(out);
        long m = field(before, "n");
        String after = await(out, l -> l.startsWith("n=" + (m + 4) + " "), 10000);
        assertTrue(before + " -> " + after, field(after, "pings") > field(before, "pings"));
        assertTrue(before + " -> " + after, field(after, "reads") > field(before, "reads"));
        assertTrue(before + " -> " + after, field(after, "churn") > field(before, "churn"));
        await(out, l -> l.startsWith("n=") && field(l, "sleeps") > field(before, "sleeps"), 5000);
        assertEquals("the sleeper's cached TID still names it: " + after, 0, field(after, "kill"));
        Files.createFile(flag);
        await(out, l -> l.startsWith("robust "), 5000);
        await(out, l -> l.startsWith("thread signal "), 5000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("robust EOWNERDEAD"));
        assertTrue("the signal pending for one thread is still its own: " + all, all.contains("thread signal ok"));
        assertFalse(all, all.contains("MISMATCH"));
        assertEquals(0, field(lastLine(out), "mismatches"));
        assertTrue(restored > 0);
    }

    @Test(timeout = 60000)
    public void groupStoppedProcessIsRestoredStopped() throws Exception {
        Path out = root().resolve("stopped.out");
        int outer = launch(out, List.of(Scenarios.binary("threads00").toString()));
        await(out, l -> l.startsWith("n=3 "), 5000);
        long job = Scenarios.tree(outer).get(2);
        LibC.INSTANCE.kill((int) job, 19); // SIGSTOP, to the job itself (the inits forward only catchable signals)
        awaitState(job, 'T');
        checkpoint(outer, Files.createDirectory(root().resolve("cp0")), false);
        awaitState(job, 'T'); // still stopped after a checkpoint that lets it continue
        long frozenAt = field(lastLine(out), "n");
        Path cp = Files.createDirectory(root().resolve("cp"));
        int restored = checkpoint(outer, cp, true);
        long now = Scenarios.tree(restored).get(2);
        awaitState(now, 'T');
        long n = field(lastLine(out), "n");
        assertEquals("it did not run between the two checkpoints", frozenAt, n);
        Thread.sleep(200); // a stopped process must not print: nothing to wait for but time
        assertEquals("stopped after restart", n, field(lastLine(out), "n"));
        LibC.INSTANCE.kill((int) now, 18); // SIGCONT
        await(out, l -> l.startsWith("n=" + (n + 3) + " "), 5000);
    }

    @Test(timeout = 90000)
    public void shellLoopForkingSleepIsCheckpointedTenTimes() throws Exception {
        Path out = root().resolve("loop.out");
        int outer = launch(out, List.of("/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo \"n=$i \"; sleep 0.01; done"));
        await(out, l -> l.startsWith("n=3 "), 5000);
        for (int i = 0; i < 10; i++) {
            Path cp = Files.createDirectory(root().resolve("cp" + i));
            outer = checkpoint(outer, cp, i == 9);
            long n = lastN(out);
            await(out, l -> l.startsWith("n=" + (n + 2) + " "), 5000);
        }
    }

    private static String lastLine(Path out) throws Exception {
        List<String> l = Scenarios.lines(out).stream().filter(x -> x.startsWith("n=")).toList();
        return l.get(l.size() - 1);
    }

    private static void awaitState(long pid, char state) throws Exception {
        long deadline = System.currentTimeMillis() + 5000;
        while (true) {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char now = s.charAt(s.lastIndexOf(')') + 2);
            if (now == state) {
                return;
            }
            assertTrue("process " + pid + " is in state " + now + ", not " + state, System.currentTimeMillis() < deadline);
            Thread.sleep(5);
        }
    }
}
