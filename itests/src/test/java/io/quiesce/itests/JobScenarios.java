package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.AfterClass;

/**
 * What every scenario suite run through bin/quiesce needs: scenario programs compiled into a world-readable scratch
 * folder, one platform per user (this one, and the unprivileged {@code qtest} when running as root and it exists:
 * CI creates it), jobs launched and restarted through the CLI, and everything stopped after each test.
 */
public abstract class JobScenarios {
    static final String USER = "qtest";
    static Path scratch;
    final List<Cli> started = new ArrayList<>();
    final List<Long> roots = new ArrayList<>();

    /**
     * @param sourceFolder the programs' folder, relative to the project root
     * @param sources      the C files to compile
     * @return the folder holding the binaries, named as the sources without {@code .c}
     */
    static Path compile(String sourceFolder, List<String> sources) throws Exception {
        scratch = Files.createTempDirectory("quiesce-scenarios-");
        Path src = PlatformOptions.root().resolve(sourceFolder);
        Path bin = scratch.resolve("bin");
        for (String s : sources) {
            Cli.compile(src.resolve(s), bin);
        }
        Cli.openUp(scratch);
        return bin;
    }

    @AfterClass
    public static void removeScratch() throws IOException {
        try (var files = Files.walk(scratch)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    List<Cli> users() throws Exception {
        List<Cli> users = new ArrayList<>(List.of(Cli.of(scratch.resolve("home-" + System.getProperty("user.name")))));
        boolean root = System.getProperty("user.name").equals("root");
        if (root && Files.readString(Path.of("/etc/passwd")).contains("\n" + USER + ":")) {
            users.add(Cli.as(USER, scratch));
        }
        return users;
    }

    Cli start(Cli cli) throws Exception {
        cli.ok("start");
        started.add(cli);
        return cli;
    }

    @After
    public void stop() throws Exception {
        for (long pid : roots) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Cli cli : started) {
            cli.run("stop");
        }
    }

    long launch(Cli cli, String name, String... argv) throws Exception {
        List<String> args = new ArrayList<>(List.of("launch", "--json", "--name", name, "--"));
        args.addAll(List.of(argv));
        long root = cli.ok(args.toArray(String[]::new)).get("pids").get(0).asLong();
        roots.add(root);
        return root;
    }

    long killAndRestart(Cli cli, String name) throws Exception {
        return killAndRestartAll(cli, name).get(0);
    }

    /** @return the restarted job's PIDs: the outer init (its root), the namespace's PID 1, then the job's own processes */
    List<Long> killAndRestartAll(Cli cli, String name, String... restartOptions) throws Exception {
        assertTrue(cli.ok("checkpoint", name, "--kill", "--json").get("killed").asBoolean());
        assertEquals("checkpointed", cli.ok("jobs", name, "--json").get(0).get("state").asText());
        List<String> args = new ArrayList<>(List.of("restart", name, "--json"));
        args.addAll(List.of(restartOptions));
        JsonNode restart = cli.ok(args.toArray(String[]::new));
        assertEquals("no warning (" + cli.user() + "): " + restart.get("warnings"), 0, restart.get("warnings").size());
        List<Long> pids = new ArrayList<>();
        restart.get("pids").forEach(p -> pids.add(p.asLong()));
        roots.add(pids.get(0));
        return pids;
    }

    static Path output(Cli cli, String name) throws Exception {
        return Path.of(cli.ok("jobs", name, "--json").get(0).get("folder").asText()).resolve("output.log");
    }

    static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "";
        }
    }

    /** @return true once the job has exited with status 0 */
    static boolean exitedOk(Cli cli, String name) {
        try {
            JsonNode j = cli.ok("jobs", name, "--json").get(0);
            return j.get("state").asText().equals("exited") && j.get("exitStatus").asInt() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
