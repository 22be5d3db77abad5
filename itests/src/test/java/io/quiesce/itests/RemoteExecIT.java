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
 * goes on without a number lost or repeated. Stdin, stderr and the exit status are relayed; an unknown host, a
 * caller outside the job and a second piece on the same host are refused with why.
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

    @Test
    public void aJobStartsAPieceOnAnotherHostThroughQuiesceRshAndIsCheckpointedKilledAndRestartedWithIt() throws Exception {
        assumeTrue("network namespaces need root", "root".equals(System.getProperty("user.name")));
        long tag = ProcessHandle.current().pid() % 30 + 120;
        ClusterIT.NamespaceHosts n = ClusterIT.namespaceHosts(platforms, "qzx", tag, 2);
        Cli a = platforms.track(Cli.of(platforms.home("rexec-a")).inNamespace(n.names().get(0)));
        Cli b = platforms.track(Cli.of(platforms.home("rexec-b")).inNamespace(n.names().get(1)));
        assertEquals(0, a.run("cluster", "init").exit());
        copyKey(a.home(), b.home());
        assertEquals(0, a.run("start", "--host", "node-a", "--listen", n.net() + "1:7731").exit());
        assertEquals(0, b.run("start", "--host", "node-b", "--join", n.net() + "1:7731").exit());
        awaitHosts(a, all -> state(all, "node-b", "up"));

        Path data = Files.createTempDirectory("quiesce-rexec-");
        platforms.atEnd(() -> {
            try (Stream<Path> s = Files.list(data)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(data);
        });

        // the counter runs on node-b; what it prints comes back through the relay into a file of node-a's piece
        Path count = data.resolve("count.txt");
        String counter = "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); echo $i; sleep 0.01; done";
        a.ok("launch", "--json", "--name", "rx", "--", "sh", "-c", rsh() + " node-b '" + counter + "' > " + count + "; echo $? > " + data.resolve("count.status"));
        countsOn(count, 20);
        JsonNode job = a.ok("jobs", "rx", "--json").get(0);
        JsonNode onB = null;
        for (JsonNode p : job.get("pieces")) {
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
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
        for (JsonNode p : a.ok("jobs", "rx", "--json").get(0).get("pieces")) {
            assertFalse("every piece runs again: " + p, p.get("pids").isEmpty());
            p.get("pids").forEach(pid -> platforms.kill(pid.asLong()));
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

        // refusals, each with why, status 255 as ssh's own errors
        Path bad = data.resolve("bad.err");
        a.ok("launch", "--name", "rbad", "--", "sh", "-c", rsh() + " node-q true 2> " + bad + "; echo $? > " + data.resolve("bad.status"));
        assertEquals("255\n", awaitFile(data.resolve("bad.status")));
        assertTrue(Files.readString(bad), Files.readString(bad).contains("host node-q"));
        Cli.Run outside = a.runWith(List.of(rsh(), "node-b", "true"), java.util.Map.of("QUIESCE_JOB", job.get("job").asText()));
        assertEquals(outside.err(), 255, outside.exit());
        assertTrue(outside.err(), outside.err().contains("is not a process of job " + job.get("job").asText()));
    }
}
