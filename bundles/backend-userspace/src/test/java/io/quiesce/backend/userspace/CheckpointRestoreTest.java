package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.api.image.ImageFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The engine on real programs: freeze, dump, then resume or kill and restore. Plain JUnit, no OSGi. */
public class CheckpointRestoreTest extends EngineTest {
    @Before
    public void requireAvailable() {
        assertTrue(backend.availability().toString(), backend.availability().available());
    }

    private RestoreOptions options() {
        return new RestoreOptions(tmp.getRoot().toPath(), null, Map.of(), false);
    }

    @Test
    public void counterContinuesAfterCheckpointWithoutSpuriousEintr() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("counter.out");
        int pid = start("counter00", null, out.toString(), "8", "30");
        await(out, l -> l.startsWith("counter=3 "), 5000);
        Path staging = Scenarios.staging(tmp.getRoot().toPath());
        DumpResult r;
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(tmp.getRoot().toPath(), pid))) {
            assertEquals(pid, s.freeze().get(0).pid());
            long before = field(Scenarios.last(out), "counter");
            Thread.sleep(100);
            assertEquals("nothing runs while frozen", before, field(Scenarios.last(out), "counter"));
            r = s.dump(staging);
            s.resume();
        }
        assertEquals(List.of((long) pid), r.processes());
        assertTrue(r.files().contains("process-" + pid + ".json"));
        assertTrue(r.bytes() > 8L << 20);
        for (String f : r.files()) {
            assertEquals(f, "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(staging.resolve(f))));
        }
        long now = field(Scenarios.last(out), "counter");
        String later = await(out, l -> l.startsWith("counter=") && field(l, "counter") >= now + 10, 5000);
        assertEquals("resumed nanosleep restarts instead of failing with EINTR", 0, field(later, "eintr"));
        assertTrue(Scenarios.alive(pid));
        assertFalse(Files.readString(out).contains("MISMATCH"));
    }

    @Test
    public void counterRestoredContinuesAtNextValueWithItsMemory() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("counter.out");
        int pid = start("counter00", null, out.toString(), "64", "20");
        await(out, l -> l.startsWith("counter=3 "), 10000);
        Path staging = Scenarios.staging(tmp.getRoot().toPath());
        long t0 = System.nanoTime();
        long dumpMs;
        try (UserspaceCheckpointSession s = (UserspaceCheckpointSession) backend.openCheckpoint(Scenarios.job(tmp.getRoot().toPath(), pid))) {
            s.freeze();
            s.dump(staging);
            dumpMs = (System.nanoTime() - t0) / 1_000_000;
            s.kill();
            assertEquals("killed by SIGKILL and reaped by the engine", 9, s.exitStatus().get((long) pid) & 0x7f);
        }
        children.remove((Integer) pid);
        assertFalse(Scenarios.alive(pid));
        long saved = field(Scenarios.last(out), "counter");
        Scenarios.commit(staging, "userspace", ImageFormat.VERSION);
        long t1 = System.nanoTime();
        long newPid;
        try (RestoreSession rs = backend.openRestore(staging, options())) {
            assertEquals(1, rs.restore().size());
            long restoreMs = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("64 MiB counter00: freeze+dump %d ms, restore %d ms%n", dumpMs, restoreMs);
            newPid = rs.release().get(0);
            children.add((int) newPid);
        }
        assertNotEquals(pid, newPid);
        String next = await(out, l -> l.contains(" pid=" + newPid + " "), 5000);
        assertEquals("restored counter continues at the next value", saved + 1, field(next, "counter"));
        // each new line means the whole 64 MiB pattern and the brk heap were checked again
        await(out, l -> l.contains(" pid=" + newPid + " ") && field(l, "counter") >= saved + 10, 10000);
        assertTrue("restored process still running", Scenarios.alive((int) newPid));
        assertFalse(Files.readString(out).contains("MISMATCH"));
        String comm = Files.readString(Path.of("/proc/" + newPid + "/comm")).trim();
        assertEquals("counter00", comm);
        String maps = Files.readString(Path.of("/proc/" + newPid + "/maps"));
        assertTrue("PR_SET_MM_MAP gave the heap back its label", maps.contains("[heap]"));
        String stat = Files.readString(Path.of("/proc/" + newPid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals("restored process leads a session of its own", Long.toString(newPid), f[3]);
    }

    @Test
    public void restoredProcessCanBeCheckpointedAndRestoredAgain() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("chain.out");
        long pid = start("counter00", null, out.toString(), "4", "20");
        await(out, l -> l.startsWith("counter=2 "), 5000);
        for (int round = 1; round <= 2; round++) {
            Path folder = Files.createDirectory(tmp.getRoot().toPath().resolve("round" + round));
            try (UserspaceCheckpointSession s = (UserspaceCheckpointSession) backend.openCheckpoint(Scenarios.job(tmp.getRoot().toPath(), pid))) {
                s.freeze();
                s.dump(folder);
                s.kill();
            }
            children.remove((Integer) (int) pid);
            long saved = field(Scenarios.last(out), "counter");
            Scenarios.commit(folder, "userspace", ImageFormat.VERSION);
            try (RestoreSession rs = backend.openRestore(folder, options())) {
                rs.restore();
                pid = rs.release().get(0);
                children.add((int) pid);
            }
            long p = pid;
            String next = await(out, l -> l.contains(" pid=" + p + " "), 5000);
            assertEquals("round " + round, saved + 1, field(next, "counter"));
        }
        long p = pid;
        await(out, l -> l.contains(" pid=" + p + " ") && l.startsWith("counter=") && Scenarios.field(l, "counter") > 0, 5000);
        Thread.sleep(200);
        assertTrue(Scenarios.alive((int) pid));
        assertFalse(Files.readString(out).contains("MISMATCH"));
    }
}
