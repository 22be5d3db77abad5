package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Whole jobs through bin/quiesce, checkpointed with --kill and restarted, as root and again as the unprivileged
 * user {@code qtest} when it exists (CI creates it): a 512 MiB self-checking counter, a 3-level process tree whose
 * parents wait for their children by PID, and two processes joined by a full pipe whose every byte is checked; and,
 * through a checkpoint that lets the job continue and then one with --kill and a restart: a sleeper, a reader blocked
 * on a pipe, blocked signals pending in both queues, and, side by side in one platform, shared anonymous memory, a
 * deleted file, file mappings, unreaped children and an orphan, resource limits, a shared file offset and a FIFO,
 * and multi-threaded jobs (threads00, threads01: mutex, condition variable, read, nanosleep, TLS, thread churn,
 * a robust mutex), whose every thread must keep its TID.
 */
public class JobScenariosIT extends JobScenarios {
    private static Path bin;

    @BeforeClass
    public static void compile() throws Exception {
        bin = compile("bundles/backend-userspace/src/test/c",
                List.of("counter00.c", "tree00.c", "pipe00.c", "sleeper00.c", "reader00.c", "sigpending00.c", "shm00.c",
                        "unlinked00.c", "mmap00.c", "zombie00.c", "rlimit00.c", "fdshare00.c", "fifo00.c", "threads00.c",
                        "sysvshm00.c", "tmpfiles00.c", "threads01.c"));
    }

    @Test
    public void a512MiBCounterContinuesAtTheNextValueWithItsMemory() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path out = cli.home().resolve("counter.out");
            launch(cli, "counter", bin.resolve("counter00").toString(), out.toString(), "512", "20");
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> CliEndToEndIT.lastCounterOr0(out) >= 3));
            killAndRestart(cli, "counter");
            long saved = CliEndToEndIT.lastCounter(out);
            assertTrue(cli.user(), PlatformOptions.await(60000, () -> CliEndToEndIT.lastCounterOr0(out) >= saved + 3));
            List<String> lines = Files.readAllLines(out);
            String before = lines.stream().filter(l -> l.startsWith("counter=" + (saved - 1) + " ")).findFirst().orElseThrow();
            String after = lines.stream().filter(l -> l.startsWith("counter=" + (saved + 1) + " ")).findFirst().orElseThrow();
            assertEquals("the same in-job PID before and after (" + cli.user() + ")", before.replaceAll(".* (pid=\\d+) .*", "$1"),
                    after.replaceAll(".* (pid=\\d+) .*", "$1"));
            assertEquals("every value once", lines.size(), lines.stream().distinct().count());
            assertTrue(lines.stream().noneMatch(l -> l.contains("MISMATCH")));
        }
    }

    @Test
    public void aProcessTreeStillWaitsForItsChildrenByPid() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "tree", bin.resolve("tree00").toString(), "240"); // about 6 s of ticking
            Path out = output(cli, "tree");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(out).contains("G tick=10")));
            killAndRestart(cli, "tree");
            assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(60000, () -> read(out).contains("tree ")));
            String log = read(out);
            assertTrue(cli.user() + ":\n" + log, log.contains("tree ok") && !log.contains("MISMATCH"));
            assertTrue(PlatformOptions.await(10000, () -> exitedOk(cli, "tree")));
        }
    }

    @Test
    public void bytesInFlightInAPipeAreNeitherLostNorDuplicated() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "pipe", bin.resolve("pipe00").toString());
            Path out = output(cli, "pipe");
            // the child reads slowly on purpose (~100 KB/s): the pipe is full whenever the job is frozen
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> received(read(out)) > 64 << 10));
            killAndRestart(cli, "pipe");
            long saved = received(read(out));
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> received(read(out)) > saved + (256 << 10)));
            String log = read(out);
            assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH") || log.contains("EOF") || log.contains("failed"));
        }
    }

    /** The child's count of checked bytes, from its last progress line. */
    private static long received(String log) {
        long got = 0;
        for (String l : log.split("\n")) {
            if (l.startsWith("child n=")) {
                got = Long.parseLong(l.replaceAll(".* got=(\\d+) .*", "$1"));
            }
        }
        return got;
    }
    /** @return how many lines of {@code f} start with {@code prefix} */
    private static long count(Path f, String prefix) {
        return read(f).lines().filter(l -> l.startsWith(prefix)).count();
    }

    /**
     * Checkpoints a running job and lets it continue, then checkpoints it with --kill and restarts it; after each
     * step its output must grow by five more lines of the first {@code progress} prefix, and two more of each other
     * one (one prefix per process that prints).
     *
     * @return the restarted job's PIDs
     */
    private List<Long> continueThenRestart(Cli cli, String name, String... progress) throws Exception {
        return continueThenRestart(cli, name, output(cli, name), progress);
    }

    private List<Long> continueThenRestart(Cli cli, String name, Path out, String... progress) throws Exception {
        return continueThenRestart(cli, name, out, () -> { }, progress);
    }

    /** As above, running {@code betweenKillAndRestart} once the job is killed (to remove what a cleared /tmp would). */
    private List<Long> continueThenRestart(Cli cli, String name, Path out, Step betweenKillAndRestart, String... progress)
            throws Exception {
        grows(cli, out, 3, progress);
        assertFalse(cli.ok("checkpoint", name, "--json").get("killed").asBoolean());
        grows(cli, out, 5, progress);
        assertTrue(cli.ok("checkpoint", name, "--kill", "--json").get("killed").asBoolean());
        assertEquals("checkpointed", cli.ok("jobs", name, "--json").get(0).get("state").asText());
        betweenKillAndRestart.run();
        List<Long> pids = restartAll(cli, name);
        grows(cli, out, 5, progress);
        return pids;
    }

    /** A step that may throw. */
    private interface Step {
        void run() throws Exception;
    }

    /**
     * SysV segments, one removed while attached (sysvshm00: the job's own IPC namespace gives them their shmids back),
     * and a session folder in a temporary folder (tmpfiles00), removed between kill and restart as a cleared /tmp
     * would be; each through a checkpoint that continues and one with --kill and a restart (memfds and POSIX shared
     * memory are covered by the engine's IpcTest, as root and as qtest).
     */
    @Test
    public void sysvSharedMemoryAndTemporaryFilesSurviveContinueAndRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path home = cli.home();
            Map<String, List<String>> jobs = new LinkedHashMap<>();
            jobs.put("sysv", List.of(bin.resolve("sysvshm00").toString()));
            jobs.put("tmpfiles", List.of(bin.resolve("tmpfiles00").toString(), home.toString(), "300"));
            for (var job : jobs.entrySet()) {
                String name = job.getKey();
                launch(cli, name, job.getValue().toArray(String[]::new));
                Path out = output(cli, name);
                Step between = switch (name) {
                    case "tmpfiles" -> () -> {
                        try (var walk = Files.walk(home.resolve("session"))) {
                            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                                Files.delete(p);
                            }
                        }
                    };
                    default -> () -> { };
                };
                continueThenRestart(cli, name, out, between, "parent n=", "child n=");
                String log = read(out);
                assertFalse(name + " (" + cli.user() + "):\n" + log, log.contains("MISMATCH"));
                assertEquals(name + ": each process under one PID (" + cli.user() + "): " + pids(log), 2, pids(log).size());
                if (name.equals("sysv")) {
                    assertTrue("shmids kept in the job's IPC namespace (" + cli.user() + "):\n" + log,
                            log.lines().filter(l -> l.startsWith("parent n=")).allMatch(l -> l.contains(" ids=same ")));
                }
            }
            Path tmpfiles = output(cli, "tmpfiles");
            assertTrue(cli.user() + ":\n" + read(tmpfiles), PlatformOptions.await(20000, () -> read(tmpfiles).contains("parent late ")));
            assertTrue(cli.user() + ":\n" + read(tmpfiles), read(tmpfiles).contains("parent late fifo ok"));
        }
    }

    /** Waits until {@code out} has {@code more} more lines of the first prefix than now, and up to two of the others. */
    private static void grows(Cli cli, Path out, int more, String... prefixes) throws InterruptedException {
        long[] now = new long[prefixes.length];
        for (int i = 0; i < prefixes.length; i++) {
            now[i] = count(out, prefixes[i]);
        }
        for (int i = 0; i < prefixes.length; i++) {
            String p = prefixes[i];
            long want = now[i] + (i == 0 ? more : Math.min(more, 2));
            assertTrue(cli.user() + ": " + (want - now[i]) + " more '" + p + "' lines in\n" + read(out),
                    PlatformOptions.await(10000, () -> count(out, p) >= want));
        }
    }

    /** @return the distinct in-job PIDs that a job's output names in {@code pid=N} (not {@code ppid=N}) */
    private static Set<String> pids(String log) {
        Set<String> pids = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![a-z])pid=(\\d+)").matcher(log);
        while (m.find()) {
            pids.add(m.group(1));
        }
        return pids;
    }

    /** @return the line of {@code out} starting with {@code prefix}, once there is one */
    private static String line(Cli cli, Path out, String prefix) throws InterruptedException {
        assertTrue(cli.user() + ": '" + prefix + "' in\n" + read(out), PlatformOptions.await(10000,
                () -> read(out).lines().anyMatch(l -> l.startsWith(prefix))));
        return read(out).lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    public void aSleeperSleepsOnAfterContinueAndAfterRestartWithItsExe() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            String exe = bin.resolve("sleeper00").toString();
            launch(cli, "sleeper", exe, "100");
            List<Long> pids = continueThenRestart(cli, "sleeper", "tick=");
            String log = read(output(cli, "sleeper"));
            assertFalse(cli.user() + ":\n" + log, log.contains("SHORT"));
            // a nanosleep interrupted by the freeze restarts on continue; only the restart may cost one EINTR
            assertTrue(cli.user() + ":\n" + log, log.lines().allMatch(l -> l.contains(" eintr=0 ") || l.contains(" eintr=1 ")));
            assertTrue(cli.user(), log.lines().allMatch(l -> l.contains(" pid=2 ")));
            assertEquals("/proc/PID/exe of the restarted process (" + cli.user() + ")", exe,
                    Files.readSymbolicLink(Path.of("/proc/" + pids.get(2) + "/exe")).toString());
        }
    }

    @Test
    public void aReaderBlockedOnAPipeRestartsItsRead() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "reader", bin.resolve("reader00").toString());
            continueThenRestart(cli, "reader", "record=");
            String log = read(output(cli, "reader"));
            assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH") || log.contains("EOF"));
            assertTrue("read(2) restarted, never failed with EINTR (" + cli.user() + ")", log.lines().allMatch(l -> l.endsWith(" eintr=0")));
        }
    }

    @Test
    public void blockedSignalsStayPendingAndArriveAfterContinueAndAfterRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path trigger = cli.home().resolve("sigpending.trigger");
            launch(cli, "sigpending", bin.resolve("sigpending00").toString(), trigger.toString());
            Path out = output(cli, "sigpending");
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> count(out, "tick=") >= 2));
            assertFalse(cli.ok("checkpoint", "sigpending", "--json").get("killed").asBoolean());
            Files.writeString(trigger, "1");
            assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(10000, () -> read(out).contains("round=1 delivered ok")));
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> read(out).contains(" round=2 ")));
            killAndRestart(cli, "sigpending");
            long before = count(out, "tick=");
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> count(out, "tick=") >= before + 2));
            Files.writeString(trigger, "2");
            assertTrue(cli.user() + ":\n" + read(out), PlatformOptions.await(10000, () -> read(out).contains("round=2 delivered ok")));
            String log = read(out);
            assertFalse(cli.user() + ":\n" + log, log.contains("MISMATCH"));
        }
    }

    /**
     * Ticks of shm00's and zombie00's parents (20 ms each and more) before their late checks, which must come after
     * their restart.
     */
    private static final int LATE = 600;

    /**
     * Nine jobs in one platform per user, each launched in turn,
     * checkpointed once while it runs on and once with --kill and restarted: memory shared by a parent and its child
     * (shm00), unreaped children and an orphan adopted by the namespace's PID 1 (zombie00), a file deleted while open
     * (unlinked00), private and shared file mappings with a PROT_NONE guard (mmap00), lowered resource limits
     * (rlimit00), a file offset shared by two processes (fdshare00), a full named pipe (fifo00), and two multi-threaded
     * programs (threads00, threads01: each thread checks its TID and TLS against values saved in memory). Every program
     * checks itself on every tick and prints MISMATCH on a difference; every one of its processes must print on after
     * each step, under the in-job PID it had before.
     */
    @Test
    public void threadsMemoryFilesZombiesLimitsAndFifosSurviveContinueAndRestart() throws Exception {
        for (Cli cli : users()) {
            long began = System.nanoTime();
            start(cli);
            Path home = cli.home();
            Path deleted = home.resolve("unlinked.dat");
            // each job's command line, then the prefix of the progress lines of each of its processes that prints
            Map<String, List<List<String>>> jobs = new LinkedHashMap<>();
            jobs.put("zombie", List.of(List.of("zombie00", Integer.toString(LATE), "orphan"), List.of("parent n=", "child n=", "orphan n=")));
            jobs.put("shm", List.of(List.of("shm00", Integer.toString(LATE)), List.of("parent n=", "child n=")));
            jobs.put("unlinked", List.of(List.of("unlinked00", deleted.toString()), List.of("tick=")));
            jobs.put("mmap", List.of(List.of("mmap00", home.resolve("mmap.dat").toString()), List.of("tick=")));
            jobs.put("rlimit", List.of(List.of("rlimit00"), List.of("tick=")));
            jobs.put("fdshare", List.of(List.of("fdshare00", home.resolve("fdshare.dat").toString()), List.of("P n=", "C n=")));
            jobs.put("fifo", List.of(List.of("fifo00", home.resolve("fifo").toString()), List.of("child n=", "parent n=")));
            jobs.put("threads", List.of(List.of("threads00"), List.of("n=")));
            jobs.put("threads01", List.of(List.of("threads01", home.resolve("robust.flag").toString()), List.of("n=")));
            Map<String, Path> outputs = new LinkedHashMap<>();
            for (var job : jobs.entrySet()) {
                String name = job.getKey();
                List<String> argv = new ArrayList<>(job.getValue().get(0));
                argv.set(0, bin.resolve(argv.get(0)).toString());
                launch(cli, name, argv.toArray(String[]::new));
                Path out = output(cli, name);
                outputs.put(name, out);
                if (name.equals("zombie")) {
                    String orphan = line(cli, out, "orphan n=3 ");
                    assertTrue("adopted by the namespace's PID 1 (" + cli.user() + "): " + orphan, orphan.endsWith(" ppid=1"));
                }
                List<String> progress = job.getValue().get(1);
                continueThenRestart(cli, name, out, progress.toArray(String[]::new));
                String log = read(out);
                assertFalse(name + " (" + cli.user() + "):\n" + log, log.contains("MISMATCH") || log.contains("EOF") || log.contains("failed"));
                assertEquals(name + ": each process under one PID before and after (" + cli.user() + "): " + pids(log),
                        progress.size(), pids(log).size());
                assertFalse("still unreaped at the restart: make LATE larger (" + cli.user() + ")", name.equals("zombie") && log.contains("reaped "));
                assertFalse("late checks after the restart: make LATE larger (" + cli.user() + ")", name.equals("shm") && log.contains(" late "));
                if (name.equals("unlinked")) {
                    assertFalse("the deleted file stays deleted (" + cli.user() + ")", Files.exists(deleted));
                    // its records would reach the file page it checks as unchanged after 499 ticks (~10 s): end it here
                    assertTrue(cli.ok("checkpoint", name, "--kill", "--json").get("killed").asBoolean());
                    outputs.remove(name);
                }
            }
            Path zombies = outputs.get("zombie");
            assertTrue(cli.user() + ":\n" + read(zombies), PlatformOptions.await(30000, () -> read(zombies).contains("zombies ")));
            assertTrue(cli.user() + ":\n" + read(zombies), read(zombies).contains("zombies ok"));
            assertTrue(cli.user(), PlatformOptions.await(10000, () -> exitedOk(cli, "zombie")));
            // its first lines may come before its parent has ended
            List<String> adopted = read(zombies).lines().filter(l -> l.startsWith("orphan n=")).dropWhile(l -> !l.startsWith("orphan n=3 ")).toList();
            assertTrue("the orphan's parent stays the namespace's PID 1 (" + cli.user() + "): " + adopted,
                    adopted.size() > 10 && adopted.stream().allMatch(l -> l.endsWith(" ppid=1")));
            Path shm = outputs.get("shm");
            assertTrue(cli.user() + ":\n" + read(shm), PlatformOptions.await(30000,
                    () -> read(shm).contains("parent late ") && read(shm).contains("child late ")));
            assertTrue(cli.user() + ":\n" + read(shm), read(shm).contains("parent late ok") && read(shm).contains("child late ok"));
            String limits = read(outputs.get("rlimit"));
            assertTrue(cli.user() + ":\n" + limits, limits.lines().allMatch(l -> l.contains(" nofile=100/200 core=0/1048576")));
            for (var job : outputs.entrySet()) {
                String log = read(job.getValue());
                assertFalse(job.getKey() + " (" + cli.user() + "):\n" + log,
                        log.contains("MISMATCH") || log.contains("EOF") || log.contains("failed"));
                assertEquals(job.getKey() + ": each process under one PID (" + cli.user() + "): " + pids(log),
                        jobs.get(job.getKey()).get(1).size(), pids(log).size());
            }
            long worker = worker(outputs.get("threads"));
            assertTrue(cli.user() + ": threads00's worker thread ticks on after " + worker,
                    PlatformOptions.await(10000, () -> worker(outputs.get("threads")) > worker));
            System.out.printf("JobScenariosIT: %s: nine jobs through continue and restart in %d s%n", cli.user(),
                    (System.nanoTime() - began) / 1_000_000_000);
        }
    }

    /** @return the worker thread's last tick count that threads00 printed */
    private static long worker(Path out) {
        Matcher m = Pattern.compile("(?m)^n=\\d+ pid=\\d+ worker=(\\d+)$").matcher(read(out));
        long n = -1;
        while (m.find()) {
            n = Long.parseLong(m.group(1));
        }
        return n;
    }
}
