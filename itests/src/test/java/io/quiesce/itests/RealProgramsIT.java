package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Real programs, not scenario programs, through bin/quiesce as root and as {@code qtest}: an Open MPI ring and an
 * MPI_Allreduce loop (mpirun, 4 ranks, TCP), Open MPI and MPICH rings over shared memory, an mpi4py ring, CPython threads with a queue, a JVM with a 256 MiB heap, redis-server with
 * a writer, GNU sort with threads and tar | gzip, and interactive python3 REPLs on a pseudo-terminal under script(1) and
 * under a tmux server. Each is checkpointed while it runs on, then checkpointed with --kill and restarted, and must
 * then check itself and end with its verdict (programs: itests/src/test/realprograms/README.md).
 * Part of the default run; {@code -Dquiesce.realprograms=false} leaves it out. It needs the programs that
 * {@code .ci/run} installs, and fails at once naming those missing (never skips: a skipped run would look green).
 */
public class RealProgramsIT extends JobScenarios {
    // each MPI by its own name: Debian's alternatives make mpicc and mpirun whichever MPI has the higher priority
    private static final String MPICC_OPENMPI = "/usr/bin/mpicc.openmpi";
    private static final String MPIRUN_OPENMPI = "/usr/bin/mpirun.openmpi";
    private static final String MPICC_MPICH = "/usr/bin/mpicc.mpich";
    private static final String MPIRUN_MPICH = "/usr/bin/mpirun.mpich";
    private static Path bin;
    /** sorttar00's tree of about 120 MB for tar (sort's input comes from sortgen00.py, inside the job) */
    private static Path tarTree;

    @BeforeClass
    public static void prepare() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String p : List.of(MPICC_OPENMPI, MPIRUN_OPENMPI, MPICC_MPICH, MPIRUN_MPICH, "/usr/bin/python3", "/usr/bin/redis-server",
                "/usr/bin/tmux", "/usr/bin/script", "/usr/bin/sort", "/usr/bin/tar")) {
            if (!Files.isExecutable(Path.of(p))) {
                missing.add(p);
            }
        }
        Process mpi4py = new ProcessBuilder("/usr/bin/python3", "-c", "import mpi4py").inheritIO().start();
        if (mpi4py.waitFor() != 0) {
            missing.add("python3-mpi4py");
        }
        assertTrue("RealProgramsIT needs " + missing + " (Debian: openmpi-bin libopenmpi-dev mpich libmpich-dev python3 python3-mpi4py "
                + "redis-server tmux bsdutils; .ci/run installs them), or run with -Dquiesce.realprograms=false", missing.isEmpty());
        bin = compile("itests/src/test/realprograms", List.of());
        Path src = PlatformOptions.root().resolve("itests/src/test/realprograms");
        Files.createDirectories(bin);
        for (String c : List.of("mpiring00.c", "collective00.c")) {
            mpicc(MPICC_OPENMPI, src.resolve(c), bin.resolve(c.replace(".c", "")));
        }
        mpicc(MPICC_MPICH, src.resolve("mpiring00.c"), bin.resolve("mpiring00-mpich"));
        try (var files = Files.list(src)) {
            for (Path f : files.filter(f -> !f.toString().endsWith(".c")).toList()) {
                Files.copy(f, bin.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        tarTree = scratch.resolve("tar-tree");
        generate(tarTree);
        Cli.openUp(scratch);
    }

    private static void mpicc(String mpicc, Path source, Path binary) throws Exception {
        Process p = new ProcessBuilder(mpicc, "-O2", "-o", binary.toString(), source.toString()).inheritIO().start();
        assertEquals(mpicc + " " + source, 0, p.waitFor());
    }

    /** Deterministic input: 60 files of compressible text (and a folder) to archive. */
    private static void generate(Path tree) throws IOException {
        Random r = new Random(7);
        Files.createDirectories(tree.resolve("sub"));
        for (int f = 0; f < 60; f++) {
            try (BufferedWriter w = Files.newBufferedWriter(tree.resolve((f % 2 == 0 ? "" : "sub/") + "file" + f + ".txt"))) {
                for (int i = 0; i < 40_000; i++) {
                    w.write("line " + i + " of file " + f + ": " + Long.toString(r.nextLong() & 0xFFFFF, 36) + " words " + (i * f % 977) + "\n");
                }
            }
        }
    }

    private static String program(String name) {
        return bin.resolve(name).toString();
    }

    /** @return how many lines of {@code f} match {@code progress} */
    private static long count(Path f, Pattern progress) {
        return read(f).lines().filter(l -> progress.matcher(l).find()).count();
    }

    /** Waits until {@code out} has {@code more} more lines matching {@code progress} than now. */
    private static void grows(Cli cli, Path out, Pattern progress, int more) throws InterruptedException {
        long want = count(out, progress) + more;
        assertTrue(cli.user() + ": " + more + " more '" + progress + "' lines in\n" + tail(out),
                PlatformOptions.await(60000, () -> count(out, progress) >= want));
    }

    private static String tail(Path out) {
        List<String> lines = read(out).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Checkpoints a running job and lets it continue, then checkpoints it with --kill and restarts it; its output must
     * show more progress lines before each step and after the restart, and end with {@code verdict}, no line saying
     * MISMATCH, and the job exited with status 0.
     *
     * @return the checkpoint (continue)'s answer, for its figures
     */
    private JsonNode continueThenRestartFinishes(Cli cli, String name, Pattern progress, String verdict) throws Exception {
        Path out = output(cli, name);
        grows(cli, out, progress, 3);
        JsonNode cont = cli.ok("checkpoint", name, "--json");
        assertFalse(cont.get("killed").asBoolean());
        grows(cli, out, progress, 2);
        killAndRestartAll(cli, name);
        assertFalse("killed before its end: make the run longer (" + cli.user() + ")", read(out).contains(verdict));
        // one more line shows it runs on; the job runs while each bin/quiesce client starts, so ask no more than that
        grows(cli, out, progress, 1);
        finishes(cli, name, verdict);
        return cont;
    }

    private static void finishes(Cli cli, String name, String verdict) throws Exception {
        Path out = output(cli, name);
        assertTrue(cli.user() + ":\n" + tail(out), PlatformOptions.await(120000, () -> read(out).contains(verdict)));
        assertTrue(cli.user() + ":\n" + tail(out), PlatformOptions.await(20000, () -> exitedOk(cli, name)));
        assertFalse(cli.user() + ":\n" + tail(out), read(out).contains("MISMATCH"));
    }

    /**
     * Open MPI's mpirun with 4 ranks on this host over TCP on loopback (no shared-memory transport), allowed to run as
     * root (what the unprivileged user is inside its user namespace too), with its session folder in the job's home.
     */
    private static List<String> mpirun(Cli cli, String program, String... args) throws IOException {
        return mpirunOver(cli, "tcp,self", program, args);
    }

    /** @param btl Open MPI's byte transfer layers: {@code tcp,self}, or {@code vader,self} for shared memory */
    private static List<String> mpirunOver(Cli cli, String btl, String program, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(program(program)));
        command.addAll(List.of(args));
        return mpirunOver(cli, btl, command);
    }

    /** @param command what each rank runs */
    private static List<String> mpirunOver(Cli cli, String btl, List<String> command) throws IOException {
        Path tmp = folder(cli, "mpi-tmp");
        List<String> argv = new ArrayList<>(List.of("env", "TMPDIR=" + tmp, "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                // yield when idle: 4 ranks on 2 cores, and a rank spinning in a receive starves the one it waits for
                // (an Allreduce loop ran 13 times slower without it); the ranks' pauses then pace each run
                MPIRUN_OPENMPI, "--oversubscribe", "-n", "4", "--mca", "mpi_yield_when_idle", "1", "--mca", "btl", btl, "--mca", "pml", "ob1",
                // loopback only (Open MPI leaves it out by default): a test sends nothing to the machine's other addresses
                "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"));
        argv.addAll(command);
        return argv;
    }

    /**
     * The ring in Python: Debian's python3-mpi4py (built against Open MPI), 4 ranks over TCP. As the running user only:
     * the Open MPI runs above already cover a plain user, and the suite's time is counted.
     */
    @Test
    public void anMpi4pyRingPassesEveryHop() throws Exception {
        for (Cli cli : users().subList(0, 1)) {
            start(cli);
            launch(cli, "pyring", mpirunOver(cli, "tcp,self", List.of("/usr/bin/python3", program("mpiring00.py"), "20000", "4096", "2000"))
                    .toArray(String[]::new));
            continueThenRestartFinishes(cli, "pyring", Pattern.compile("^hop \\d+ rank \\d$"), "pyring ok hops=20000");
        }
    }

    /**
     * An Open MPI ring over its shared-memory transport (vader: a segment file per rank in the session folder, mapped by
     * every rank, with single copies by process_vm_readv). As the running user only, like the mpi4py ring.
     */
    @Test
    public void anOpenMpiRingOverSharedMemoryPassesEveryHop() throws Exception {
        for (Cli cli : users().subList(0, 1)) {
            start(cli);
            // rank 0's pause before each of its sends paces the ring (about 2000 hops/s)
            launch(cli, "vader", mpirunOver(cli, "vader,self", "mpiring00", "24000", "4096", "2000").toArray(String[]::new));
            continueThenRestartFinishes(cli, "vader", Pattern.compile("^hop \\d+ rank \\d$"), "ring ok hops=24000");
        }
    }

    /**
     * An MPICH ring (hydra's mpiexec, its proxy and 4 ranks in the job) over shared memory only: MPICH's own segment,
     * a /dev/shm file every rank maps and that is deleted once mapped, and UCX's shared-memory transports, whose peers
     * open each other's /proc/PID/fd entries (UCX_TLS=sm,self: no TCP, which hydra does not need on one host either).
     */
    @Test
    public void anMpichRingOverSharedMemoryPassesEveryHop() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path tmp = folder(cli, "mpich-tmp");
            launch(cli, "mpich", "env", "TMPDIR=" + tmp, "UCX_TLS=sm,self", MPIRUN_MPICH, "-n", "4", program("mpiring00-mpich"), "3000",
                    "4096", "1000");
            // MPICH's ranks poll without yielding: four on two cores pass about 300 hops/s
            JsonNode c = continueThenRestartFinishes(cli, "mpich", Pattern.compile("^hop \\d+ rank \\d$"), "ring ok hops=3000");
            System.out.printf("RealProgramsIT: %s: MPICH ring of 4 ranks over shared memory: checkpoint (continue) %d ms, pause %d ms, "
                    + "%d bytes%n", cli.user(), c.get("millis").asLong(), c.get("pauseMillis").asLong(), c.get("bytes").asLong());
        }
    }

    @Test
    public void anOpenMpiRingOfFourRanksPassesEveryHop() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "mpiring", mpirun(cli, "mpiring00", "24000", "4096", "2000").toArray(String[]::new));
            JsonNode c = continueThenRestartFinishes(cli, "mpiring", Pattern.compile("^hop \\d+ rank \\d$"), "ring ok hops=24000");
            System.out.printf("RealProgramsIT: %s: Open MPI ring of 4 ranks: checkpoint (continue) %d ms, pause %d ms, %d bytes%n",
                    cli.user(), c.get("millis").asLong(), c.get("pauseMillis").asLong(), c.get("bytes").asLong());
        }
    }

    /**
     * As the running user only: a plain user's restart of this job waits for the TIME_WAIT remnants of its start-up
     * connections to expire (most of a minute, see TimeWaitRemnants), which the ring above already shows.
     */
    @Test
    public void anMpiAllreduceLoopChecksEveryIteration() throws Exception {
        for (Cli cli : users().subList(0, 1)) {
            start(cli);
            launch(cli, "collective", mpirun(cli, "collective00", "5000", "1024", "1000").toArray(String[]::new));
            continueThenRestartFinishes(cli, "collective", Pattern.compile("^allreduce iter=\\d+$"), "allreduce ok iters=5000 ranks=4");
        }
    }

    @Test
    public void pythonProducerAndConsumerThreadsKeepTheirTotals() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "pythreads", "/usr/bin/python3", program("pythreads00.py"), "100");
            continueThenRestartFinishes(cli, "pythreads", Pattern.compile("^round=\\d+ ok "), "pythreads ok rounds=100");
        }
    }

    @Test
    public void aPlainJvmKeepsItsThreadsAndHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (Cli cli : users()) {
            start(cli);
            launch(cli, "javaheap", java, "-Xmx600m", program("javaheap00.java"), "120");
            continueThenRestartFinishes(cli, "javaheap", Pattern.compile("^tick=\\d+ bad=0$"), "javaheap ok ticks=120");
        }
    }

    @Test
    public void redisKeepsEveryKeyItsWriterSet() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path folder = folder(cli, "redis");
            launch(cli, "redis", program("redis00.sh"), folder.toString(), "8000");
            continueThenRestartFinishes(cli, "redis", Pattern.compile("^redis keys=\\d+ ok$"), "redis ok keys=8000");
        }
    }

    /**
     * sorttar00 run once without interruption, then again checkpointed (continue) and killed and restarted while sort
     * runs and again while tar runs: both runs must print the same SHA-256 sums of their outputs.
     */
    @Test
    public void sortAndTarOutputsAreByteIdenticalToAnUninterruptedRun() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            // a reference per user: inside a plain user's job (its own user namespace) the tree's owner reads as another uid, which tar records
            String reference = sortTar(cli, "sorttar-ref", false);
            String interrupted = sortTar(cli, "sorttar", true);
            assertEquals(cli.user(), reference, interrupted);
        }
    }

    /** @return sorttar00's verdict line, after a checkpoint (continue) and a kill and restart in each step if asked */
    private String sortTar(Cli cli, String name, boolean interrupt) throws Exception {
        Path folder = folder(cli, name);
        launch(cli, name, program("sorttar00.sh"), bin.toString(), tarTree.toString(), folder.toString());
        Path out = output(cli, name);
        if (interrupt) {
            for (String step : List.of("sort", "tar")) {
                assertTrue(cli.user(), PlatformOptions.await(60000, () -> read(out).contains(step + " begins")));
                assertFalse(cli.ok("checkpoint", name, "--json").get("killed").asBoolean());
                killAndRestartAll(cli, name);
                assertFalse(step + " ended before it was killed: make the input larger (" + cli.user() + ")", read(out).contains(step + " ends"));
            }
        }
        finishes(cli, name, "sorttar done ");
        return read(out).lines().filter(l -> l.startsWith("sorttar done ")).findFirst().orElseThrow();
    }

    /** @return a new folder in the user's home, owned by that user (the job writes in it) */
    private static Path folder(Cli cli, String name) throws IOException {
        Path folder = Files.createDirectories(cli.home().resolve(name));
        var lookup = folder.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(folder, lookup.lookupPrincipalByName(cli.user()));
        return folder;
    }

    /** script(1) gives python3 -i a pseudo-terminal; the test types through script00's FIFO. */
    @Test
    public void aPythonReplUnderScriptAnswersTypedInputAfterRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path folder = folder(cli, "pty");
            launch(cli, "pty", program("script00.sh"), folder.toString());
            Path out = output(cli, "pty");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(out).contains("script00 ready")));
            Path input = folder.resolve("input");
            type(input, "x = 41\nprint('before', x + 1)\n");
            answers(cli, out, "before 42");
            assertFalse(cli.ok("checkpoint", "pty", "--json").get("killed").asBoolean());
            type(input, "print('continued', x + 1)\n");
            answers(cli, out, "continued 42");
            killAndRestartAll(cli, "pty");
            type(input, "print('restarted', x + 1)\nexit()\n");
            answers(cli, out, "restarted 42");
            assertTrue(cli.user() + ":\n" + tail(out), PlatformOptions.await(20000, () -> exitedOk(cli, "pty")));
        }
    }

    /** Writes to a FIFO the job holds open both ways (so the open does not block and the writer may go). */
    private static void type(Path fifo, String text) throws IOException {
        try (OutputStream o = Files.newOutputStream(fifo)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void answers(Cli cli, Path out, String answer) throws InterruptedException {
        // the REPL's echo of the input has the expression, not its value
        assertTrue(cli.user() + ": '" + answer + "' in\n" + tail(out), PlatformOptions.await(30000,
                () -> read(out).lines().anyMatch(l -> l.strip().equals(answer))));
    }

    /** A tmux server in the job runs python3; the test types with tmux send-keys and reads the pane (capture-pane). */
    @Test
    public void aPythonReplInATmuxServerAnswersTypedInputAfterRestart() throws Exception {
        for (Cli cli : users()) {
            start(cli);
            Path folder = folder(cli, "tmux");
            launch(cli, "tmux", program("tmux00.sh"), folder.toString());
            Path out = output(cli, "tmux");
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(out).contains("tmux00 ready")));
            Path sock = folder.resolve("tmux.sock");
            tmux(cli, sock, "send-keys", "-t", "repl", "x = 41", "Enter", "print('before', x + 1)", "Enter");
            paneAnswers(cli, sock, "before 42");
            assertFalse(cli.ok("checkpoint", "tmux", "--json").get("killed").asBoolean());
            tmux(cli, sock, "send-keys", "-t", "repl", "print('continued', x + 1)", "Enter");
            paneAnswers(cli, sock, "continued 42");
            killAndRestartAll(cli, "tmux");
            tmux(cli, sock, "send-keys", "-t", "repl", "print('restarted', x + 1)", "Enter");
            paneAnswers(cli, sock, "restarted 42");
            tmux(cli, sock, "wait-for", "-S", "done");
            finishes(cli, "tmux", "tmux00 done");
        }
    }

    /** Runs a tmux client as the job's user (the server only lets its own user in) and @return its output. */
    private static String tmux(Cli cli, Path sock, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (!cli.user().equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("runuser", "-u", cli.user(), "--"));
        }
        cmd.addAll(List.of("/usr/bin/tmux", "-S", sock.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("quiesce-tmux", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(String.join(" ", cmd), p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(String.join(" ", cmd) + ": " + Files.readString(out), 0, p.exitValue());
            return Files.readString(out);
        } finally {
            Files.delete(out);
        }
    }

    private static void paneAnswers(Cli cli, Path sock, String answer) throws Exception {
        String[] pane = { "" };
        boolean seen = PlatformOptions.await(30000, () -> {
            try {
                pane[0] = tmux(cli, sock, "capture-pane", "-p", "-t", "repl");
            } catch (Exception | AssertionError e) {
                pane[0] = e.toString();
            }
            return pane[0].lines().anyMatch(l -> l.strip().equals(answer));
        });
        assertTrue(cli.user() + ": '" + answer + "' in the pane:\n" + pane[0], seen);
    }
}
