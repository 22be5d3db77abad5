package io.quiesce.backend.blcr;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.UnavailableException;
import io.quiesce.backend.blcr.linux.LibCr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Checkpoints through the JNA binding against the libcr ABI double: what the double received, field by field; what
 * ends up in the staging folder; what happens to the job; and how every error code reads.
 */
public class BlcrCheckpointTest {
    private static final List<String> STEERING = List.of("BLCR_DOUBLE_INIT_ERRNO", "BLCR_DOUBLE_REQUEST_ERRNO", "BLCR_DOUBLE_RESULT",
            "BLCR_DOUBLE_KMSG", "BLCR_DOUBLE_LOGFAIL");
    private static Path libcr;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Path log;
    private Path ctrl;
    private Path staging;
    private Process target;
    private HostJob job;

    @BeforeClass
    public static void build() throws Exception {
        libcr = NativeFixtures.libcrDouble();
    }

    @Before
    public void setUp() throws IOException {
        log = tmp.getRoot().toPath().resolve("double.log");
        ctrl = tmp.newFile("ctrl").toPath();
        staging = tmp.newFolder("staging").toPath();
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwx------"));
        NativeFixtures.setenv("BLCR_DOUBLE_LOG", log.toString());
        STEERING.forEach(v -> NativeFixtures.setenv(v, null));
        target = new ProcessBuilder("sleep", "300").start();
        job = new HostJob("7", "sleeper", target.pid(), List.of(target.pid()), tmp.getRoot().toPath());
    }

    @After
    public void tearDown() throws InterruptedException {
        STEERING.forEach(v -> NativeFixtures.setenv(v, null));
        target.destroyForcibly();
        target.waitFor(5, TimeUnit.SECONDS);
    }

    private BlcrEngine engine(int timeoutSeconds, long graceMillis, boolean saveAll) {
        return new BlcrEngine(new BlcrEngine.Settings(ctrl, Optional.of(libcr), Optional.empty(), "3.10.0-test", timeoutSeconds,
                graceMillis, saveAll, 5, Map.of(), Path.of("/proc")));
    }

    private List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private String call(String prefix) throws IOException {
        return calls().stream().filter(l -> l.startsWith(prefix + " ")).findFirst().orElseThrow(() -> new AssertionError("no " + prefix));
    }

    private static String field(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + name + "=(\\S+)").matcher(line);
        assertTrue(name + " in " + line, m.find());
        return m.group(1);
    }

    private char state(long pid) throws IOException {
        return io.quiesce.process.ProcStat.parse(Files.readString(Path.of("/proc/" + pid + "/stat"))).state();
    }

    /** Waits up to 2 s for a process to be stopped (T) or running (any other state), and returns T or R. */
    private char awaitState(long pid, char wanted) throws Exception {
        boolean stopped = false;
        for (int i = 0; i < 100; i++) {
            stopped = state(pid) == 'T';
            if (stopped == (wanted == 'T')) {
                break;
            }
            Thread.sleep(20);
        }
        return stopped ? 'T' : 'R';
    }

    @Test
    public void dumpMarshalsOneTreeRequestAndCommitsAContext0600Atomically() throws Exception {
        try (CheckpointSession s = engine(30, 500, false).openCheckpoint(job)) {
            List<FrozenProcess> frozen = s.freeze();
            assertEquals(List.of(target.pid()), frozen.stream().map(FrozenProcess::pid).toList());
            assertTrue("BLCR gives fabrics no facility", frozen.get(0).facility(Object.class).isEmpty());
            assertFalse("freeze is a marker: nothing stopped before the request", state(target.pid()) == 'T');

            DumpResult r = s.dump(staging);
            String ctx = "context." + target.pid();
            assertEquals(List.of(ctx, "blcr.properties"), r.files());
            assertEquals(List.of(target.pid()), r.processes());

            assertEquals("cri_init_checkpoint_args_t version=1", call("cri_init_checkpoint_args_t"));
            String req = call("cr_request_checkpoint");
            assertEquals("1", field(req, "version"));
            assertEquals(String.valueOf(LibCr.CR_SCOPE_TREE), field(req, "scope"));
            assertEquals(String.valueOf(target.pid()), field(req, "target"));
            assertEquals("SIGSTOP after the checkpoint, so the job is held until commit", "19", field(req, "signal"));
            assertEquals("30", field(req, "timeout"));
            assertEquals("0x0", field(req, "flags"));
            assertEquals("written under BLCR's --atomic temporary name", staging.resolve("." + ctx + ".tmp").toString(), field(req, "fdpath"));
            assertEquals("600", field(req, "fdmode"));
            assertEquals("O_WRONLY", "1", field(req, "accmode"));
            assertEquals("close-on-exec", "1", field(req, "cloexec"));
            assertTrue(Integer.parseInt(field(req, "fd")) > 2);
            String poll = call("cr_poll_checkpoint_msg");
            assertEquals("the handle libcr returned is passed back", "4242", field(poll, "handle"));
            double wait = Double.parseDouble(field(poll, "timeout"));
            assertTrue("waits cr_timeout plus grace: " + wait, wait > 30.0 && wait <= 30.5);
            assertEquals("kernel messages are asked for", "set", field(poll, "msg_p"));

            Path context = staging.resolve(ctx);
            String content = Files.readString(context);
            assertTrue(content, content.startsWith("BLCR-DOUBLE-CONTEXT v1\ntarget=" + target.pid() + " signal=19"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(context)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(staging.resolve("blcr.properties"))));
            try (var files = Files.list(staging)) {
                assertEquals("no temporary file left", 2, files.count());
            }
            assertEquals(Files.size(context) + Files.size(staging.resolve("blcr.properties")), r.bytes());
            BlcrImage image = BlcrImage.read(staging);
            assertEquals(ctx, image.context());
            assertEquals(target.pid(), image.rootPid());
            assertEquals("3.10.0-test", image.kernel());

            assertEquals("held stopped after dump, until the platform commits", 'T', awaitState(target.pid(), 'T'));
            s.resume();
            assertEquals("resumed", 'R', awaitState(target.pid(), 'S'));
        }
    }

    @Test
    public void saveAllRequestsEveryOptionalPartOfMemory() throws Exception {
        try (CheckpointSession s = engine(7, 100, true).openCheckpoint(job)) {
            s.freeze();
            s.dump(staging);
            String req = call("cr_request_checkpoint");
            assertEquals("0xe00", field(req, "flags"));
            assertEquals("7", field(req, "timeout"));
        }
    }

    @Test
    public void killEndsTheJobAfterTheCheckpointAndCloseLeavesItDead() throws Exception {
        try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
            s.freeze();
            s.dump(staging);
            assertTrue("job still alive until kill: the checkpoint must be committed first", target.isAlive());
            s.kill();
        }
        assertTrue(target.waitFor(5, TimeUnit.SECONDS));
        assertEquals(128 + 9, target.exitValue());
    }

    @Test
    public void closeWithoutResumeContinuesTheJob() throws Exception {
        try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
            s.freeze();
            s.dump(staging);
            assertEquals('T', awaitState(target.pid(), 'T'));
        }
        assertEquals("a job is never left frozen", 'R', awaitState(target.pid(), 'S'));
    }

    @Test
    public void kernelMessagesOfASuccessfulCheckpointBecomeWarnings() throws Exception {
        NativeFixtures.setenv("BLCR_DOUBLE_KMSG", "vmadump: skipped a socket\n");
        try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
            s.freeze();
            DumpResult r = s.dump(staging);
            assertEquals(List.of("BLCR kernel messages: vmadump: skipped a socket"), r.warnings());
        }
    }

    @Test
    public void anUnfetchableLogStillReapsTheResult() throws Exception {
        NativeFixtures.setenv("BLCR_DOUBLE_LOGFAIL", "1");
        try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
            s.freeze();
            DumpResult r = s.dump(staging);
            assertEquals(2, r.files().size());
            assertEquals("cr_reap_checkpoint handle=4242", call("cr_reap_checkpoint"));
            assertTrue(Files.readString(staging.resolve("context." + target.pid())).startsWith("BLCR-DOUBLE-CONTEXT"));
        }
    }

    @Test
    public void aCheckpointThatDoesNotFinishIsAbandonedAfterTimeoutAndGrace() throws Exception {
        NativeFixtures.setenv("BLCR_DOUBLE_RESULT", "pending");
        long t0 = System.nanoTime();
        try (CheckpointSession s = engine(1, 300, false).openCheckpoint(job)) {
            s.freeze();
            CheckpointException e = expectFailure(s);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("ETIMEDOUT", e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("did not finish within 1 s"));
            assertTrue("waited about 1.3 s: " + ms, ms >= 1200 && ms < 6000);
            List<String> calls = calls();
            assertTrue("polled first", calls.stream().anyMatch(l -> l.matches("cr_poll_checkpoint_msg handle=4242 timeout=1\\.[23]\\d+ msg_p=set")));
            assertEquals("then reaped to release the handle", "cr_reap_checkpoint handle=4242", calls.get(calls.size() - 1));
            s.resume();
        }
        assertNothingLeft();
        assertEquals('R', awaitState(target.pid(), 'S'));
    }

    private CheckpointException expectFailure(CheckpointSession s) {
        try {
            s.dump(staging);
        } catch (CheckpointException e) {
            return e;
        }
        fail("dump should have failed");
        return null;
    }

    private void assertNothingLeft() throws IOException {
        try (var files = Files.list(staging)) {
            assertEquals("staging folder left empty", List.of(), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** One error code, where it is reported, and words its message must contain. */
    private record Case(int code, String name, String... words) {
    }

    private static final List<Case> CASES = List.of(
            new Case(LibCr.CR_ENOSUPPORT, "CR_ENOSUPPORT", "does not have libcr loaded", "cr_run", "libcr_run.so.0"),
            new Case(LibCr.CR_ETEMPFAIL, "CR_ETEMPFAIL", "temporary failure", "try again"),
            new Case(LibCr.CR_EPERMFAIL, "CR_EPERMFAIL", "failed permanently", "killed the job"),
            new Case(LibCr.CR_EVERSION, "CR_EVERSION", "different versions"),
            new Case(LibCr.CR_EOMITTED, "CR_EOMITTED", "omitted"),
            new Case(LibCr.CR_EPTRACED, "CR_EPTRACED", "being traced"),
            new Case(LibCr.CR_EPTRACER, "CR_EPTRACER", "tracing other processes"),
            new Case(3, "ESRCH", "no longer exists"),
            new Case(1, "EPERM", "not permitted", "root"),
            new Case(38, "ENOSYS", "kernel module is not loaded", "3.17"),
            new Case(28, "ENOSPC", "no space left"),
            new Case(5, "EIO", "I/O error"),
            new Case(22, "EINVAL", "rejected the request's arguments"));

    @Test
    public void everyRequestErrorIsNamedExplainedAndLeavesNothing() throws Exception {
        for (Case c : CASES) {
            NativeFixtures.setenv("BLCR_DOUBLE_REQUEST_ERRNO", String.valueOf(c.code()));
            Files.deleteIfExists(log);
            try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
                s.freeze();
                CheckpointException e = expectFailure(s);
                check(c, e);
                assertFalse("no poll after a refused request", calls().stream().anyMatch(l -> l.startsWith("cr_poll")));
            }
            assertNothingLeft();
            assertFalse("job not stopped by a refused request", state(target.pid()) == 'T');
        }
    }

    @Test
    public void everyReapErrorIsNamedExplainedAndLeavesNoPartialContext() throws Exception {
        NativeFixtures.setenv("BLCR_DOUBLE_KMSG", "vmadump: fault at 0x1000");
        for (Case c : CASES) {
            NativeFixtures.setenv("BLCR_DOUBLE_RESULT", String.valueOf(c.code()));
            try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
                s.freeze();
                CheckpointException e = expectFailure(s);
                check(c, e);
                assertTrue(e.getMessage(), e.getMessage().contains("kernel messages: vmadump: fault at 0x1000"));
                s.resume();
            }
            assertNothingLeft();
        }
    }

    private void check(Case c, CheckpointException e) {
        assertEquals(c.name(), e.errno());
        assertEquals(target.pid(), e.pid());
        String m = e.getMessage();
        assertTrue(m, m.startsWith("BLCR checkpoint of job 7 (PID " + target.pid() + ") failed: "));
        for (String w : c.words()) {
            assertTrue(c.name() + " should say '" + w + "': " + m, m.contains(w));
        }
        String strerror = c.code() > LibCr.CR_MIN_ERRCODE ? "double says " + c.name() : null;
        if (strerror != null) {
            assertTrue("cr_strerror's text is quoted: " + m, m.contains("[" + c.name() + ": " + strerror + "]"));
        } else {
            assertTrue("strerror's text is quoted: " + m, m.contains("[" + c.name() + ": "));
        }
    }

    @Test
    public void aFailingArgsInitialisationIsReportedAndNothingIsRequested() throws Exception {
        NativeFixtures.setenv("BLCR_DOUBLE_INIT_ERRNO", "22");
        try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
            s.freeze();
            CheckpointException e = expectFailure(s);
            assertEquals("EINVAL", e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("cri_init_checkpoint_args_t"));
            assertFalse(calls().stream().anyMatch(l -> l.startsWith("cr_request_checkpoint")));
        }
        assertNothingLeft();
    }

    @Test
    public void aStaleTemporaryFileIsReplaced() throws Exception {
        Path stale = staging.resolve(".context." + target.pid() + ".tmp");
        Files.writeString(stale, "left by a crash");
        try (CheckpointSession s = engine(30, 100, false).openCheckpoint(job)) {
            s.freeze();
            s.dump(staging);
        }
        assertFalse(Files.exists(stale));
        assertTrue(Files.readString(staging.resolve("context." + target.pid()), StandardCharsets.UTF_8).startsWith("BLCR-DOUBLE-CONTEXT"));
    }

    @Test
    public void aGoneRootIsESRCH() throws Exception {
        target.destroyForcibly();
        target.waitFor(5, TimeUnit.SECONDS);
        try {
            engine(30, 100, false).openCheckpoint(job);
            fail("root is gone");
        } catch (CheckpointException e) {
            assertEquals("ESRCH", e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("no longer exists"));
        }
    }

    @Test
    public void anUnavailableBackendRefusesWithItsReason() throws Exception {
        Files.delete(ctrl);
        BlcrEngine e = engine(30, 100, false);
        assertFalse(e.availability().available());
        assertTrue(e.capabilities().isEmpty());
        try {
            e.openCheckpoint(job);
            fail("unavailable");
        } catch (UnavailableException ex) {
            assertTrue(ex.getMessage(), ex.getMessage().contains("module is not loaded") && ex.getMessage().contains("3.17"));
        }
        assertFalse("libcr is never called", Files.exists(log));
    }

    @Test
    public void availableWithCtrlAndALoadableLibcr() {
        BlcrEngine e = engine(30, 100, false);
        assertTrue(String.valueOf(e.availability()), e.availability().available());
        assertNotNull(e.capabilities());
        assertTrue(e.capabilities().contains(io.quiesce.api.BackendCapability.NEEDS_LAUNCH_PREPARATION));
        assertFalse("no cr_restart configured: no restore", e.capabilities().contains(io.quiesce.api.BackendCapability.RESTORE));
        assertFalse("BLCR offers fabrics nothing", e.capabilities().contains(io.quiesce.api.BackendCapability.FABRIC_ACCESS));
    }
}
