package io.quiesce.coordinator;

import static org.junit.Assert.assertEquals;

import io.quiesce.api.JobInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.rules.Timeout;

/** A bad registry entry is skipped with a warning; it never makes jobs (or status, which lists them) fail for good. */
public class RegistryTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    @Rule
    public Timeout timeout = new Timeout(30, TimeUnit.SECONDS);
    private Coordinator coordinator;

    private static void job(Path home, String folder, String id) throws Exception {
        Path f = Files.createDirectories(home.resolve("jobs").resolve(folder));
        Files.writeString(f.resolve("job.json"), "{\"id\":\"" + id + "\",\"name\":\"" + (id.contains("/") ? "x" : id)
                + "\",\"argv\":[\"sleep\"],\"started\":\"2026-11-24T10:00:00Z\",\"rootPid\":-1,\"checkpointed\":true}");
    }

    @After
    public void tearDown() {
        System.clearProperty("quiesce.home");
        if (coordinator != null) {
            coordinator.deactivate();
        }
    }

    @Test
    public void badJobRecordsAreSkippedAndForeignIdsSortAfterOurs() throws Exception {
        Path home = tmp.getRoot().toPath();
        job(home, "2", "2");
        job(home, "10", "10");
        job(home, "abc", "abc"); // restarted from an image made elsewhere (--trust): a valid ID, not a number
        job(home, "3", "../../x"); // an ID that would be a path
        job(home, "4", "5"); // a record in another job's folder
        Files.createDirectories(home.resolve("jobs/6"));
        Files.writeString(home.resolve("jobs/6/job.json"), "{\"id\":");
        Files.createDirectories(home.resolve("jobs/7"));
        assertEquals(0, new ProcessBuilder("mkfifo", home.resolve("jobs/7/job.json").toString()).start().waitFor());
        Files.createDirectories(home.resolve("jobs/8"));
        Files.createSymbolicLink(home.resolve("jobs/8/job.json"), Path.of("/dev/zero"));
        System.setProperty("quiesce.home", home.toString());
        coordinator = new Coordinator();
        coordinator.activate(null, new CoordinatorConfig() {
            public String backend() {
                return "";
            }

            public String store() {
                return "";
            }

            public int freezeDeadlineSeconds() {
                return 0;
            }

            public String host() {
                return "";
            }

            public int phaseTimeoutSeconds() {
                return 300;
            }

            public String listen() {
                return "";
            }

            public String join() {
                return "";
            }

            public int leaseSeconds() {
                return 10;
            }

            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return CoordinatorConfig.class;
            }
        });
        List<JobInfo> jobs = coordinator.jobs();
        assertEquals(List.of("2", "10", "abc"), jobs.stream().map(JobInfo::id).toList());
        assertEquals("abc", coordinator.job("abc").id());
    }
}
