package io.quiesce.backend.blcr;

import io.quiesce.process.ProcStat;
import io.quiesce.process.ProcFs;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.ImageException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.backend.blcr.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Restarts through a scripted cr_restart double that records its argv: the options Quiesce passes, the fallback
 * from --restore-pid to --no-restore-pid, failures read from the hooks, and that nothing restored outlives a
 * session that was not released.
 */
public class BlcrRestoreTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Path checkpoint;
    private Path jobFolder;
    private Path argvLog;
    private Path output;
    private final List<Long> toReap = new ArrayList<>();
    private final ProcFs proc = new ProcFs(Path.of("/proc"));

    @Before
    public void setUp() throws Exception {
        checkpoint = tmp.newFolder("store", "job 7", "3").toPath(); // a space in the path, for quoting
        jobFolder = tmp.newFolder("jobs", "7").toPath();
        argvLog = tmp.getRoot().toPath().resolve("cr_restart.argv");
        output = jobFolder.resolve("output.log");
        Files.writeString(checkpoint.resolve("context.4321"), "BLCR-DOUBLE-CONTEXT v1\n");
        Files.write(checkpoint.resolve(BlcrImage.FILE), new BlcrImage("context.4321", 4321, List.of(4321L, 4322L), "tree", 0, "3.10.0").encode());
    }

    @After
    public void tearDown() {
        for (long pid : toReap) {
            for (long child : proc.descendants(pid)) {
                LibC.INSTANCE.kill((int) child, LibC.SIGKILL);
            }
            LibC.INSTANCE.kill((int) pid, LibC.SIGKILL);
            LibC.INSTANCE.waitpid((int) pid, new int[1], 0);
        }
    }

    /** A generous restore timeout, so a loaded build machine does not fail the tests that expect success. */
    private static final int TIMEOUT = 30;

    private BlcrEngine engine(String mode, Optional<Path> crRestart) throws Exception {
        return engine(mode, crRestart, TIMEOUT);
    }

    private BlcrEngine engine(String mode, Optional<Path> crRestart, int restoreTimeoutSeconds) throws Exception {
        Path ctrl = tmp.getRoot().toPath().resolve("ctrl");
        if (!Files.exists(ctrl)) {
            Files.createFile(ctrl);
        }
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("CR_RESTART_DOUBLE_LOG", argvLog.toString());
        env.put("CR_RESTART_DOUBLE_MODE", mode);
        return new BlcrEngine(new BlcrEngine.Settings(ctrl, Optional.of(NativeFixtures.libcrDouble()), crRestart, "3.10.0", 30, 100, false,
                restoreTimeoutSeconds, env, Path.of("/proc")));
    }

    private BlcrEngine engine(String mode) throws Exception {
        return engine(mode, Optional.of(NativeFixtures.crRestartDouble()));
    }

    private RestoreOptions options(Map<String, String> relocations, boolean exactPids) {
        return new RestoreOptions(jobFolder, output, relocations, exactPids);
    }

    /** One cr_restart run as the double recorded it. */
    private record Run(long pid, List<String> argv) {
    }

    private List<Run> runs() throws IOException {
        List<Run> runs = new ArrayList<>();
        if (!Files.exists(argvLog)) {
            return runs;
        }
        long pid = -1;
        List<String> argv = new ArrayList<>();
        for (String line : Files.readAllLines(argvLog)) {
            if (line.startsWith("pid ")) {
                pid = Long.parseLong(line.substring(4));
                argv = new ArrayList<>();
            } else if (line.startsWith("arg ")) {
                argv.add(line.substring(4));
            } else if (line.equals("end")) {
                runs.add(new Run(pid, argv));
            }
        }
        return runs;
    }

    private boolean gone(long pid) {
        return proc.stat(pid).map(ProcStat::dead).orElse(true);
    }

    private boolean awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 100 && !gone(pid); i++) {
            Thread.sleep(20);
        }
        return gone(pid);
    }

    @Test
    public void restoresStoppedWithOriginalPidsThenReleasesWithCrRestartAsRoot() throws Exception {
        Map<String, String> reloc = Map.of("/data/in=put", "/new/data", "/old\\dir", "/tmp/x");
        try (RestoreSession s = engine("ok").openRestore(checkpoint, options(reloc, true))) {
            List<FrozenProcess> restored = s.restore();
            List<Run> runs = runs();
            assertEquals(1, runs.size());
            Run run = runs.get(0);
            toReap.add(run.pid());
            List<String> argv = run.argv();
            assertEquals("--stop", argv.get(0));
            assertEquals("--restore-pid", argv.get(1));
            assertEquals("--kmsg-warning", argv.get(2));
            assertTrue(argv.get(3), argv.get(3).matches("--run-on-success=echo ok > '" + jobFolder + "/\\.blcr-restart-\\d+/status-restore-pid'"));
            assertTrue(argv.get(4).startsWith("--run-on-fail-temp=echo temp > '"));
            assertTrue(argv.get(5).startsWith("--run-on-fail-env=echo env > '"));
            assertTrue(argv.get(6).startsWith("--run-on-fail-args=echo args > '"));
            assertTrue(argv.get(7).startsWith("--run-on-fail-perm=echo perm > '"));
            assertEquals(List.of("--relocate", "/data/in\\=put=/new/data", "--relocate", "/old\\\\dir=/tmp/x"), argv.subList(8, 12));
            assertEquals("the context file is the last argument", checkpoint.resolve("context.4321").toString(), argv.get(12));
            assertEquals(13, argv.size());

            assertEquals(1, restored.size());
            long child = restored.get(0).pid();
            assertEquals("the restarted process is cr_restart's child", List.of(child), proc.descendants(run.pid()));
            assertTrue("restored stopped", proc.stat(child).orElseThrow().stopped());
            assertTrue(restored.get(0).facility(Object.class).isEmpty());

            List<Long> released = s.release();
            assertEquals("cr_restart first, as the job's root the platform reaps", List.of(run.pid(), child), released);
            boolean running = false;
            for (int i = 0; i < 100 && !running; i++) {
                running = !proc.stat(child).orElseThrow().stopped();
                Thread.sleep(20);
            }
            assertTrue("released processes run", running);
        }
        assertFalse("the released job outlives the session", gone(runs().get(0).pid()));
        try (var f = Files.list(jobFolder)) {
            assertEquals("status folder removed", List.of("output.log"), f.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    public void fallsBackToNewPidsWhenTheSavedPidIsTaken() throws Exception {
        try (RestoreSession s = engine("pid-taken").openRestore(checkpoint, options(Map.of(), false))) {
            List<FrozenProcess> restored = s.restore();
            List<Run> runs = runs();
            assertEquals(2, runs.size());
            toReap.add(runs.get(1).pid());
            assertEquals("--restore-pid", runs.get(0).argv().get(1));
            assertEquals("--no-restore-pid", runs.get(1).argv().get(1));
            assertTrue("the failed attempt was reaped", gone(runs.get(0).pid()));
            assertEquals(1, restored.size());
            assertTrue(s.warnings().get(0).contains("restarted with new PIDs"));
            assertEquals(runs.get(1).pid(), (long) s.release().get(0));
        }
        String log = Files.readString(output);
        assertTrue("cr_restart's output is relayed to the job's log: " + log, log.contains("Restart failed: Device or resource busy"));
    }

    @Test
    public void exactPidsFailWhenTheSavedPidIsTaken() throws Exception {
        try (RestoreSession s = engine("pid-taken").openRestore(checkpoint, options(Map.of(), true))) {
            try {
                s.restore();
                fail("PID taken");
            } catch (CheckpointException e) {
                assertEquals("EBUSY", e.errno());
                assertTrue(e.getMessage(), e.getMessage().contains("original PIDs [4321, 4322]"));
                assertTrue(e.getMessage(), e.getMessage().contains("temp failure, cr_restart exited with 16 (EBUSY)"));
                assertTrue(e.getMessage(), e.getMessage().contains("Restart failed: Device or resource busy"));
            }
            assertEquals("no retry with new PIDs", 1, runs().size());
        }
        assertTrue(gone(runs().get(0).pid()));
    }

    @Test
    public void aPermanentFailureIsReportedWithCrRestartsMessage() throws Exception {
        try (RestoreSession s = engine("corrupt").openRestore(checkpoint, options(Map.of(), false))) {
            try {
                s.restore();
                fail("corrupt");
            } catch (CheckpointException e) {
                assertEquals("EINVAL", e.errno());
                assertEquals(checkpoint.resolve("context.4321"), e.path());
                assertTrue(e.getMessage(), e.getMessage().contains("perm failure, cr_restart exited with 22 (EINVAL)"));
                assertTrue(e.getMessage(), e.getMessage().contains("Restart failed: Invalid argument"));
            }
            assertEquals("a permanent failure is not retried", 1, runs().size());
        }
    }

    @Test
    public void successWithoutAStoppedChildIsAFailure() throws Exception {
        try (RestoreSession s = engine("vanish").openRestore(checkpoint, options(Map.of(), false))) {
            try {
                s.restore();
                fail("no child");
            } catch (CheckpointException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("reported success but exited with 0"));
            }
            try {
                s.release();
                fail("nothing to release");
            } catch (CheckpointException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("nothing restored"));
            }
        }
    }

    @Test
    public void aRestartWithoutResultIsKilledAfterItsTimeout() throws Exception {
        long t0 = System.nanoTime();
        try (RestoreSession s = engine("hang", Optional.of(NativeFixtures.crRestartDouble()), 2).openRestore(checkpoint, options(Map.of(), false))) {
            try {
                s.restore();
                fail("hang");
            } catch (CheckpointException e) {
                assertEquals("ETIMEDOUT", e.errno());
                assertTrue(e.getMessage(), e.getMessage().contains("no result within 2 s; cr_restart was killed"));
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("about 2 s: " + ms, ms >= 2000 && ms < 8000);
        assertTrue("cr_restart killed and reaped", gone(runs().get(0).pid()));
    }

    @Test
    public void closeWithoutReleaseKillsWhatWasRestored() throws Exception {
        long child;
        long cr;
        try (RestoreSession s = engine("ok").openRestore(checkpoint, options(Map.of(), true))) {
            child = s.restore().get(0).pid();
            cr = runs().get(0).pid();
        }
        assertTrue("cr_restart reaped", gone(cr));
        assertTrue("restored process killed", awaitGone(child));
    }

    @Test
    public void openRestoreChecksTheImageAndTheProgramFirst() throws Exception {
        try {
            engine("ok", Optional.empty()).openRestore(checkpoint, options(Map.of(), false));
            fail("no cr_restart");
        } catch (NotSupportedException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("cr_restart program was not found"));
        }
        Files.delete(checkpoint.resolve("context.4321"));
        try {
            engine("ok").openRestore(checkpoint, options(Map.of(), false));
            fail("no context");
        } catch (ImageException e) {
            assertEquals(checkpoint.resolve("context.4321"), e.path());
        }
        Files.delete(checkpoint.resolve(BlcrImage.FILE));
        try {
            engine("ok").openRestore(checkpoint, options(Map.of(), false));
            fail("no metadata");
        } catch (ImageException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("not a BLCR checkpoint"));
        }
        assertTrue("cr_restart never ran", runs().isEmpty());
    }

    @Test
    public void relocationsFollowCrRestartsRules() throws Exception {
        assertEquals(List.of("/a\\=b=/c\\\\d"), BlcrRestore.relocations(Map.of("/a=b", "/c\\d")));
        try {
            BlcrRestore.relocations(Map.of("relative", "/x"));
            fail("relative");
        } catch (CheckpointException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("absolute paths"));
        }
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 17; i++) {
            many.put("/p" + i, "/q" + i);
        }
        try {
            BlcrRestore.relocations(many);
            fail("17 relocations");
        } catch (CheckpointException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("at most 16"));
        }
        assertEquals("'it'\\''s'", BlcrRestore.quote("it's"));
    }
}
