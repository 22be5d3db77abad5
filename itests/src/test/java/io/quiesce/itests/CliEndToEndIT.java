package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;

/**
 * Drives bin/quiesce exactly as a user would: start, backends, launch, jobs, a refused checkpoint, stop, and a
 * second platform on another home beside the first. Real processes, real sockets, real files.
 */
public class CliEndToEndIT {
    @Rule
    public final Platforms platforms = new Platforms("e2e");

    private Path home(String name) throws IOException {
        return platforms.home(name);
    }

    private static Cli.Run quiesce(Path home, String... args) throws IOException, InterruptedException {
        return Platforms.quiesce(home, args);
    }

    @Test
    public void startLaunchJobsRefusedCheckpointStopAndRestartKeepTheJob() throws Exception {
        Path home = home("main");
        Cli.Run start = quiesce(home, "start");
        assertEquals(start.err(), 0, start.exit());
        assertEquals("start is idempotent", 0, quiesce(home, "start").exit());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));

        JsonNode backends = quiesce(home, "backends", "--json").json();
        assertEquals("userspace", backends.get(0).get("name").asText());
        assertEquals(PlatformOptions.userspaceShouldBeAvailable(), backends.get(0).get("available").asBoolean());
        JsonNode blcr = backends.get(1);
        assertEquals("blcr", blcr.get("name").asText());
        assertFalse(blcr.get("available").asBoolean());
        assertTrue(blcr.get("reason").asText().contains("3.17"));
        JsonNode fabrics = quiesce(home, "fabrics", "--json").json();
        assertEquals(List.of("mx", "tcp", "verbs"), List.of(fabrics.get(0).get("name").asText(), fabrics.get(1).get("name").asText(),
                fabrics.get(2).get("name").asText()));

        Cli.Run launch = quiesce(home, "launch", "--json", "--name", "e2e", "--", "sh", "-c", "echo started $QUIESCE_JOB; exec sleep 100");
        assertEquals(launch.err(), 0, launch.exit());
        String id = launch.json().get("job").asText();
        long pid = launch.json().get("pids").get(0).asLong();
        platforms.kill(pid);
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        Cli.Run jobs = quiesce(home, "jobs");
        assertTrue(jobs.out(), jobs.out().contains("e2e") && jobs.out().contains("running") && jobs.out().contains(Long.toString(pid)));
        assertTrue(PlatformOptions.await(5000, () -> {
            try {
                return Files.readString(home.resolve("jobs").resolve(id).resolve("output.log")).contains("started " + id);
            } catch (IOException e) {
                return false;
            }
        }));

        Cli.Run blcrCkpt = quiesce(home, "checkpoint", "e2e", "--backend", "blcr");
        assertEquals(1, blcrCkpt.exit());
        assertTrue(blcrCkpt.err(), blcrCkpt.err().startsWith("checkpoint: backend 'blcr' is unavailable: "));
        assertTrue("the job survives a refused checkpoint", ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertEquals(2, quiesce(home, "checkpoint").exit());
        Cli.Run unknown = quiesce(home, "frobnicate");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err(), unknown.err().contains("unknown command 'frobnicate'"));
        Cli.Run noJob = quiesce(home, "checkpoint", "nosuch");
        assertEquals(1, noJob.exit());
        assertTrue(noJob.err(), noJob.err().contains("no job 'nosuch'"));

        assertEquals(0, quiesce(home, "stop").exit());
        assertTrue("jobs outlive the platform", ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        Cli.Run down = quiesce(home, "jobs");
        assertEquals(3, down.exit());
        assertTrue(down.err(), down.err().contains("not running"));

        assertEquals(0, quiesce(home, "start").exit());
        JsonNode again = quiesce(home, "jobs", "--json").json();
        assertEquals("the restarted platform still knows the running job", "running", again.get(0).get("state").asText());
        assertEquals(pid, again.get(0).get("pids").get(0).asLong());
        ProcessHandle.of(pid).orElseThrow().destroy();
        assertTrue(PlatformOptions.await(5000, () -> {
            try {
                return quiesce(home, "jobs", "--json").json().get(0).get("state").asText().matches("exited|lost");
            } catch (Exception e) {
                return false;
            }
        }));
    }

    /** The userspace engine's counter scenario: a counter in an O_APPEND file over a checked memory pattern. */
    static Path counter() throws IOException, InterruptedException {
        return Cli.compile(PlatformOptions.root().resolve("bundles/backend-userspace/src/test/c/counter00.c"),
                PlatformOptions.root().resolve("itests/target/scenarios"));
    }

    static long lastCounter(Path out) throws IOException {
        List<String> lines = Files.readAllLines(out);
        for (String l : lines) {
            assertFalse("the program checks its own memory: " + l, l.contains("MISMATCH"));
        }
        String last = lines.isEmpty() ? "counter=0 " : lines.get(lines.size() - 1);
        return Long.parseLong(last.replaceAll("counter=(\\d+) .*", "$1"));
    }

    @Test
    public void checkpointContinueThenKillAndRestartThroughTheCli() throws Exception {
        Path home = home("cycle");
        assertEquals(0, quiesce(home, "start").exit());
        Path out = home.resolve("counter.out");
        Cli.Run launch = quiesce(home, "launch", "--json", "--name", "ctr", "--", counter().toString(), out.toString(), "16", "20");
        assertEquals(launch.err(), 0, launch.exit());
        long pid = launch.json().get("pids").get(0).asLong();
        platforms.kill(pid);
        assertTrue(PlatformOptions.await(10000, () -> lastCounterOr0(out) >= 5));

        Cli.Run first = quiesce(home, "checkpoint", "ctr", "--json");
        assertEquals(first.err(), 0, first.exit());
        JsonNode c1 = first.json();
        assertEquals(1, c1.get("epoch").asLong());
        assertTrue("16 MiB of pattern saved: " + c1.get("bytes"), c1.get("bytes").asLong() > 16L << 20);
        Path folder = Path.of(c1.get("checkpoint").asText());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("manifest.json"))));
        long atCheckpoint = lastCounter(out);
        assertTrue("the job keeps counting after a checkpoint", PlatformOptions.await(10000, () -> lastCounterOr0(out) >= atCheckpoint + 5));
        JsonNode jobPids = quiesce(home, "jobs", "ctr", "--json").json().get(0).get("pids");
        long counterPid = jobPids.get(jobPids.size() - 1).asLong(); // the launched root may be an init above the program
        String inspect = quiesce(home, "inspect", "ctr").out();
        assertTrue(inspect, inspect.contains("backend   userspace") && inspect.contains("PID " + counterPid + " (counter00)"));
        assertTrue(inspect, inspect.contains("fd 3 regular-file " + out + " @") && inspect.contains("fd 0 char-device /dev/null"));
        assertTrue(inspect, inspect.matches("(?s).*rw-p .* saved in \\d+ runs?, crc32c [0-9a-f]{8}.*\\[heap\\].*"));
        JsonNode process = quiesce(home, "inspect", "ctr", "--json").json().get("hosts").get(0).get("processes").get(0);
        assertEquals(counterPid, process.get("pid").asLong());
        long savedBytes = 0;
        for (JsonNode region : process.get("regions")) {
            savedBytes += region.get("savedBytes").asLong();
            for (JsonNode run : region.get("runs")) {
                assertTrue(run.has("crc32c") && run.get("length").asLong() > 0);
            }
        }
        assertTrue("the 16 MiB pattern is in the saved regions: " + savedBytes, savedBytes >= 16L << 20);

        Cli.Run second = quiesce(home, "checkpoint", "--kill", "ctr", "--json");
        assertEquals(second.err(), 0, second.exit());
        assertTrue(second.json().get("killed").asBoolean());
        assertTrue(PlatformOptions.await(5000, () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        long saved = lastCounter(out);
        String inJobPid = Files.readAllLines(out).stream().reduce((a, b) -> b).orElseThrow().replaceAll(".* (pid=\\d+) .*", "$1");
        assertEquals("checkpointed", quiesce(home, "jobs", "--json").json().get(0).get("state").asText());
        assertEquals(2, quiesce(home, "checkpoints", "ctr", "--json").json().size());

        Cli.Run restart = quiesce(home, "restart", "ctr", "--json");
        assertEquals(restart.err(), 0, restart.exit());
        long restored = restart.json().get("pids").get(0).asLong();
        platforms.kill(restored);
        assertTrue("the restored job counts on", PlatformOptions.await(10000, () -> lastCounterOr0(out) >= saved + 5));
        List<String> lines = Files.readAllLines(out);
        String next = lines.stream().filter(l -> l.startsWith("counter=" + (saved + 1) + " ")).findFirst().orElseThrow();
        assertTrue("the job launched in its own PID namespace gets its PID back: " + next, next.contains(" " + inJobPid + " "));
        assertTrue("yet it is a new process", restored != pid);
        assertEquals("no value is written twice", lines.size(), lines.stream().distinct().count());
        JsonNode job = quiesce(home, "jobs", "--json").json().get(0);
        assertEquals("running", job.get("state").asText());
        assertEquals(restored, job.get("pids").get(0).asLong());
        Cli.Run twice = quiesce(home, "restart", "ctr");
        assertEquals(1, twice.exit());
        assertTrue(twice.err(), twice.err().contains("is still running"));
    }

    /**
     * The dump is in its memory copy of a large process: a page file over 1 MiB exists. This is after that process's
     * short syscall injection, whose registers a platform killed at that moment would leave in the process.
     */
    static boolean copyingMemory(Path staging) {
        try (var files = Files.walk(staging, 2)) { // this host's part folder is inside the staging folder
            return files.anyMatch(f -> {
                try {
                    return f.getFileName().toString().startsWith("pages-") && Files.size(f) > 1 << 20;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    static long lastCounterOr0(Path out) {
        try {
            return lastCounter(out);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Test
    public void aPlatformKilledMidCheckpointLeavesTheJobRunningAndNoPartialCheckpoint() throws Exception {
        Path home = home("crash");
        assertEquals(0, quiesce(home, "start").exit());
        long platform = quiesce(home, "status", "--json").json().get("pid").asLong();
        Path out = home.resolve("counter.out");
        // 512 MiB keeps the dump busy long enough to be interrupted
        Cli.Run launch = quiesce(home, "launch", "--json", "--name", "big", "--", counter().toString(), out.toString(), "512", "20");
        long pid = launch.json().get("pids").get(0).asLong();
        platforms.kill(pid);
        assertTrue(PlatformOptions.await(30000, () -> lastCounterOr0(out) >= 2));
        ProcessBuilder background = new ProcessBuilder(PlatformOptions.root().resolve("bin/quiesce").toString(), "checkpoint", "big")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        background.environment().put("QUIESCE_HOME", home.toString());
        Process checkpoint = background.start();
        Path staging = home.resolve("store").resolve(launch.json().get("job").asText()).resolve(".staging-1");
        assertTrue("the dump is copying the big process's memory", PlatformOptions.await(120000, () -> copyingMemory(staging)));
        ProcessHandle.of(platform).orElseThrow().destroyForcibly(); // SIGKILL, mid-dump
        assertTrue(checkpoint.waitFor(60, TimeUnit.SECONDS));
        assertTrue("the checkpoint is reported failed", checkpoint.exitValue() != 0);
        // the kernel detaches a dead tracer's tracees: the job runs on, untraced (each count checks 512 MiB: slow under load)
        long before = lastCounter(out);
        assertTrue("the job counts on (" + Files.readString(Path.of("/proc/" + pid + "/status")).lines().filter(l -> l.startsWith("State"))
                .findFirst().orElse("gone") + ")", PlatformOptions.await(120000, () -> lastCounterOr0(out) >= before + 3));
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        assertTrue(status, status.contains("TracerPid:\t0\n"));
        assertEquals(0, quiesce(home, "start").exit());
        assertFalse("no partial checkpoint stays", Files.exists(staging));
        assertEquals(0, quiesce(home, "checkpoints", "--json").json().size());
        assertEquals("running", quiesce(home, "jobs", "big", "--json").json().get(0).get("state").asText());
    }

    @Test
    public void twoHomesRunSideBySideAndTokensDoNotCross() throws Exception {
        Path a = home("a");
        Path b = home("b");
        assertEquals(0, quiesce(a, "start").exit());
        assertEquals(0, quiesce(b, "start").exit());
        Cli.Run launched = quiesce(a, "launch", "--json", "sleep", "50");
        platforms.kill(launched.json().get("pids").get(0).asLong());
        assertEquals(1, quiesce(a, "jobs", "--json").json().size());
        assertEquals(0, quiesce(b, "jobs", "--json").json().size());
        assertFalse(Files.readString(a.resolve("control")).equals(Files.readString(b.resolve("control"))));
        // a client holding b's token but a's address: a cannot prove b's token, so the client sends it nothing
        Path mixed = home("mixed");
        Files.copy(a.resolve("control"), mixed.resolve("control"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(b.resolve("token"), mixed.resolve("token"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Cli.Run refused = quiesce(mixed, "jobs");
        assertEquals(refused.err(), 3, refused.exit());
        assertTrue(refused.err(), refused.err().contains("is not the platform of this home: it could not prove it holds the token"));
        assertEquals(0, quiesce(b, "stop").exit());
        assertEquals("a keeps running when b stops", 0, quiesce(a, "status").exit());
    }
}
