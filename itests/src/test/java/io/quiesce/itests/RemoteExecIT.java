package io.quiesce.itests;

import static io.quiesce.itests.ClusterIT.awaitHosts;
import static io.quiesce.itests.ClusterIT.copyKey;
import static io.quiesce.itests.ClusterIT.state;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@code bin/quiesce-rsh}, the remote exec a job's launcher runs in place of ssh, on two namespace hosts joined by
 * a veth link, through {@code bin/quiesce} as root. A job on the coordinator's host starts a counter on the agent's
 * host through it and writes what comes back to a file: the counter is a piece of the same job on the other host,
 * its output relayed over one TCP connection between the job's two processes. The job is checkpointed while it
 * runs, then with {@code --kill}, and restarted: the relay's connection is rebuilt across the link and the count
 * goes on without a number lost or repeated. Stdin, stderr and the exit status are relayed, also for a launcher
 * on the agent's host (its platform asks the coordinator); an unknown host, a
 * caller outside the job and a second piece on the same host are refused with why. And an Open MPI ring whose
 * mpirun starts its daemon on the other host through it, checkpointed, killed and restarted whole.
 */
public class RemoteExecIT {
    private static final long DEADLINE_MILLIS = 90_000;

    @Rule
    public final Platforms platforms = new Platforms("rexec");

    private static String rsh() {
        return PlatformOptions.root().resolve("bin/quiesce-rsh").toString();
    }

    /** @return the count so far, checked to be 1, 2, 3, ... */
    private static int counted(Path f) throws IOException {
        if (!Files.exists(f)) {
            return 0;
        }
        String[] lines = Files.readString(f).split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) { // the last may still be being written
            assertEquals("line " + (i + 1) + ": a number was lost or repeated", Integer.toString(i + 1), lines[i]);
        }
        return lines.length - 1;
    }

    private static void countsOn(Path f, int more) throws Exception {
        int target = counted(f) + more;
        assertTrue("the count went on past " + target + " (now " + counted(f) + ")", PlatformOptions.await(DEADLINE_MILLIS, () -> {
            try {
                return counted(f) >= target;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
    }

    private static String awaitFile(Path f) throws Exception {
        assertTrue(f + " appears", PlatformOptions.await(DEADLINE_MILLIS, () -> Files.exists(f)));
        assertTrue(f + " is written", PlatformOptions.await(DEADLINE_MILLIS, () -> JobScenarios.read(f).endsWith("\n")));
        return JobScenarios.read(f);
    }

    private String net;
    private Path data;

    /** @return the coordinator's client: node-a and node-b, a namespace each joined by a veth link, the agent up */
    private Cli twoHosts(String prefix, long tag) throws Exception {
        return hosts(prefix, tag, 2);
    }

    /** @return the coordinator node-a, with agents node-b (and node-c, …) up, each in a network namespace of its own */
    private Cli hosts(String prefix, long tag, int count) throws Exception {
        assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        ClusterIT.NamespaceHosts n = ClusterIT.namespaceHosts(platforms, prefix, tag, count);
        net = n.net();
        Cli a = platforms.track(Cli.of(platforms.home("rexec-a")).inNamespace(n.names().get(0)));
        assertEquals(0, a.run("cluster", "init").exit());
        assertEquals(0, a.run("start", "--host", "node-a", "--listen", net + "1:7731").exit());
        for (int i = 1; i < count; i++) {
            String name = "node-" + (char) ('a' + i);
            Cli agent = platforms.track(Cli.of(platforms.home("rexec-" + (char) ('a' + i))).inNamespace(n.names().get(i)));
            copyKey(a.home(), agent.home());
            assertEquals(0, agent.run("start", "--host", name, "--join", net + "1:7731").exit());
            awaitHosts(a, all -> state(all, name, "up"));
        }
        data = Files.createTempDirectory("quiesce-rexec-");
        platforms.atEnd(() -> {
            try (Stream<Path> s = Files.walk(data)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        });
        return a;
    }

    /** Kills every process of the job's pieces after the test; @return the pieces */
    private JsonNode trackPieces(Cli a, String job) throws Exception {
        JsonNode pieces = a.ok("jobs", job, "--json").get(0).get("pieces");
        for (JsonNode p : pieces) {
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
        }
        return pieces;
    }

    @Test
    public void aJobStartsAPieceOnAnotherHostThroughQuiesceRshAndIsCheckpointedKilledAndRestartedWithIt() throws Exception {
        Cli a = twoHosts("qzx", ProcessHandle.current().pid() % 30 + 120);

        // the counter runs on node-b; what it prints comes back through the relay into a file of node-a's piece
        Path count = data.resolve("count.txt");
        String counter = "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); echo $i; sleep 0.01; done";
        a.ok("launch", "--json", "--name", "rx", "--", "sh", "-c", rsh() + " node-b '" + counter + "' > " + count + "; echo $? > " + data.resolve("count.status"));
        countsOn(count, 20);
        JsonNode job = a.ok("jobs", "rx", "--json").get(0);
        JsonNode onB = null;
        for (JsonNode p : trackPieces(a, "rx")) {
            if (p.get("host").asText().equals("node-b")) {
                onB = p;
            }
        }
        assertTrue("the counter is a piece of the job on node-b: " + job, onB != null && onB.get("pids").size() >= 2);

        for (int i = 1; i <= 3; i++) {
            JsonNode cp = a.ok("checkpoint", "rx", "--json");
            assertEquals(cp.toString(), i, cp.get("epoch").asInt());
            assertEquals(cp.toString(), 0, cp.get("warnings").size());
            countsOn(count, 10);
        }
        assertTrue(a.ok("checkpoint", "rx", "--kill", "--json").get("killed").asBoolean());
        int atKill = counted(count);
        a.ok("restart", "rx", "--json");
        for (JsonNode p : trackPieces(a, "rx")) {
            assertFalse("every piece runs again: " + p, p.get("pids").isEmpty());
        }
        countsOn(count, 30); // from the number after the last one written before the kill: counted() checks
        assertTrue(counted(count) > atKill + 30);
        assertFalse("the launcher still waits for its command", Files.exists(data.resolve("count.status")));

        // a second piece of the job on node-b is refused: the job's launcher hears why, as it would from ssh
        Cli.Run second = a.run("launch", "--host", "node-b", "--job", "rx", "--", "true");
        assertTrue(second.err(), second.exit() != 0 && second.err().contains("already runs on host node-b"));

        // stdin, stdout, stderr and the exit status, through a job of their own
        Path out = data.resolve("io.out"), err = data.resolve("io.err"), status = data.resolve("io.status");
        a.ok("launch", "--name", "rio", "--", "sh", "-c", "printf 'hello\\nworld\\n' | " + rsh() + " node-b 'tr a-z A-Z; echo oops >&2; exit 7' > "
                + out + " 2> " + err + "; echo $? > " + status);
        assertEquals("7\n", awaitFile(status));
        assertEquals("HELLO\nWORLD\n", Files.readString(out));
        assertEquals("oops\n", Files.readString(err));
        assertTrue("the job ended with its command, the relay on node-b too", PlatformOptions.await(DEADLINE_MILLIS, () -> {
            try {
                return a.ok("jobs", "rio", "--json").get(0).get("state").asText().equalsIgnoreCase("exited");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));

        // this host's own name: the command runs here, in the job
        Path here = data.resolve("here.out");
        a.ok("launch", "--name", "rhere", "--", "sh", "-c", rsh() + " node-a 'echo $QUIESCE_JOB' > " + here);
        String rhere = a.ok("jobs", "rhere", "--json").get(0).get("job").asText();
        assertEquals(rhere + "\n", awaitFile(here));

        // from a piece on the agent's host: node-b's platform asks the coordinator, which starts the relay on node-a
        Path fromB = data.resolve("from-b.out");
        a.ok("launch", "--host", "node-b", "--name", "rfromb", "--", "sh", "-c", rsh() + " node-a 'echo $QUIESCE_JOB' > " + fromB
                + "; echo $? > " + data.resolve("from-b.status"));
        String rfromb = a.ok("jobs", "rfromb", "--json").get(0).get("job").asText();
        assertEquals("0\n", awaitFile(data.resolve("from-b.status")));
        assertEquals(rfromb + "\n", Files.readString(fromB));

        // refusals, each with why, status 255 as ssh's own errors
        Path bad = data.resolve("bad.err");
        a.ok("launch", "--name", "rbad", "--", "sh", "-c", rsh() + " node-q true 2> " + bad + "; echo $? > " + data.resolve("bad.status"));
        assertEquals("255\n", awaitFile(data.resolve("bad.status")));
        assertTrue(Files.readString(bad), Files.readString(bad).contains("host node-q"));
        Cli.Run outside = a.runWith(List.of(rsh(), "node-b", "true"), java.util.Map.of("QUIESCE_JOB", job.get("job").asText()));
        assertEquals(outside.err(), 255, outside.exit());
        assertTrue(outside.err(), outside.err().contains("is not a process of job " + job.get("job").asText()));
    }

    /** @return the processes of the job's piece on a host, by their command names */
    private static List<String> commands(JsonNode pieces, String host) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode p : pieces) {
            if (p.get("host").asText().equals(host)) {
                for (JsonNode pid : p.get("pids")) {
                    out.add(Files.readString(Path.of("/proc/" + pid.asLong() + "/comm")).trim());
                }
            }
        }
        return out;
    }

    /**
     * The test this product was conceived around, across hosts: {@code mpirun --host node-a:2,node-b:1,node-c:1} under
     * Quiesce with {@code bin/quiesce-rsh} as its rsh agent, four ranks over TCP, every payload and the hop count
     * checked. mpirun's daemons on node-b and node-c and their ranks are the job's pieces there; the whole job
     * (mpirun, both daemons, the ranks, the relays) is checkpointed ten times while it runs, then killed and
     * restarted, and the ring finishes with the exact hop count.
     */
    @Test
    public void anOpenMpiRingOverThreeHostsStartsItsRemoteDaemonsThroughQuiesceRshAndRestartsWhole() throws Exception {
        Cli a = hosts("qzm", ProcessHandle.current().pid() % 5 + 250, 3);
        Path ring = ring("/usr/bin/mpicc.openmpi", "mpiring00");
        Path tmp = Files.createDirectories(data.resolve("mpi-tmp"));
        String subnet = net + "0/24";
        // yield when idle: four ranks and three daemons share two cores, and a spinning rank would starve the one it waits for
        a.ok("launch", "--name", "mring", "--", "env", "TMPDIR=" + tmp, "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                "/usr/bin/mpirun.openmpi", "--host", "node-a:2,node-b:1,node-c:1", "-n", "4", "--mca", "mpi_yield_when_idle", "1",
                "--mca", "btl", "tcp,self", "--mca", "pml", "ob1", "--mca", "plm_rsh_agent", rsh(), "--mca", "plm_rsh_no_tree_spawn", "1",
                "--mca", "btl_tcp_if_include", subnet, "--mca", "oob_tcp_if_include", subnet, ring.toString(), "600000", "4096", "50", "10000");
        Path out = JobScenarios.output(a, "mring");
        assertTrue("the ring runs:\n" + JobScenarios.read(out), PlatformOptions.await(DEADLINE_MILLIS,
                () -> JobScenarios.read(out).contains("hop 10000 rank 1")));
        JsonNode pieces = trackPieces(a, "mring");
        for (String host : List.of("node-b", "node-c")) {
            List<String> on = commands(pieces, host);
            assertTrue(host + " runs a relay, mpirun's daemon and a rank: " + on, on.contains("quiesce-rsh") && on.contains("orted")
                    && on.stream().filter("mpiring00"::equals).count() == 1);
        }
        assertTrue(commands(pieces, "node-a").contains("mpirun.openmpi"));

        checkpointsThenRestartFinishes(a, "mring", 10, "ring ok hops=600000");
    }

    /** Compiles the ring with an MPI's own mpicc into the test's folder; @return the program */
    private Path ring(String mpicc, String name) throws Exception {
        assertTrue("needs " + mpicc + " (Debian: openmpi-bin libopenmpi-dev, mpich libmpich-dev; .ci/run installs them)",
                Files.isExecutable(Path.of(mpicc)));
        Path ring = data.resolve(name);
        Process p = new ProcessBuilder(mpicc, "-O2", "-o", ring.toString(),
                PlatformOptions.root().resolve("itests/src/test/realprograms/mpiring00.c").toString()).inheritIO().start();
        assertEquals(mpicc, 0, p.waitFor());
        return ring;
    }

    /**
     * Checkpoints a running ring {@code times} times (epochs in turn, no warning, the ring going on after each), then
     * with --kill before its end, restarts it on the same hosts and waits for its verdict, with no mismatch.
     */
    private void checkpointsThenRestartFinishes(Cli a, String job, int times, String verdict) throws Exception {
        Path out = JobScenarios.output(a, job);
        for (int i = 1; i <= times; i++) {
            JsonNode cp = a.ok("checkpoint", job, "--json");
            assertEquals(cp.toString(), i, cp.get("epoch").asInt());
            assertEquals(cp.toString(), 0, cp.get("warnings").size());
            int lines = JobScenarios.read(out).split("\n").length;
            assertTrue("the ring goes on after checkpoint " + i, PlatformOptions.await(DEADLINE_MILLIS,
                    () -> JobScenarios.read(out).split("\n").length > lines));
        }
        assertTrue(a.ok("checkpoint", job, "--kill", "--json").get("killed").asBoolean());
        assertFalse("killed before its end: make the ring longer", JobScenarios.read(out).contains("ring ok"));
        a.ok("restart", job, "--json");
        for (JsonNode p : trackPieces(a, job)) {
            assertFalse("every piece runs again: " + p, p.get("pids").isEmpty());
        }
        assertTrue("the ring finishes:\n" + JobScenarios.read(out), PlatformOptions.await(5 * DEADLINE_MILLIS,
                () -> JobScenarios.read(out).contains(verdict)));
        assertFalse(JobScenarios.read(out), JobScenarios.read(out).contains("MISMATCH"));
    }

    /**
     * MPICH across two hosts: hydra's mpiexec on node-a starts its proxy on node-b through {@code bin/quiesce-rsh}
     * ({@code -launcher ssh -launcher-exec}); four ranks over UCX's TCP transport (the namespace hosts share one host
     * name, so UCX's shared memory between "same-named" hosts must stay off). Checkpointed while it runs, killed and
     * restarted on the same hosts; the ring finishes with the exact hop count.
     */
    @Test
    public void anMpichRingOverTwoHostsStartsItsProxyThroughQuiesceRshAndRestartsWhole() throws Exception {
        Cli a = hosts("qzh", ProcessHandle.current().pid() % 10 + 210, 2);
        Path ring = ring("/usr/bin/mpicc.mpich", "mpiring00-mpich");
        Path tmp = Files.createDirectories(data.resolve("mpich-tmp"));
        // -localhost: hydra's proxies call back the launching host by this address (the host name is the machine's)
        a.ok("launch", "--name", "hring", "--", "env", "TMPDIR=" + tmp, "UCX_TLS=tcp,self", "/usr/bin/mpiexec.hydra", "-localhost",
                net + "1", "-hosts", "node-a:2,node-b:2", "-n", "4", "-launcher", "ssh", "-launcher-exec", rsh(), ring.toString(),
                "8000", "4096", "200", "250");
        Path out = JobScenarios.output(a, "hring");
        assertTrue("the ring runs:\n" + JobScenarios.read(out), PlatformOptions.await(DEADLINE_MILLIS,
                () -> JobScenarios.read(out).contains("hop 1000 rank 1")));
        JsonNode pieces = trackPieces(a, "hring");
        List<String> onB = commands(pieces, "node-b");
        assertTrue("node-b runs the relay, hydra's proxy and two ranks: " + onB, onB.contains("quiesce-rsh")
                && onB.contains("hydra_pmi_proxy") && onB.stream().filter("mpiring00-mpich"::equals).count() == 2);
        checkpointsThenRestartFinishes(a, "hring", 3, "ring ok hops=8000");
    }
}
