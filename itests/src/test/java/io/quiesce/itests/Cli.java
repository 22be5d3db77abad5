package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs bin/quiesce for a home, as the test's own user or as another one through runuser (with a copy of the
 * built client and platform that this user can read: a build tree under /root is not).
 */
final class Cli {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run's exit status and output. */
    record Run(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    private final Path bin;
    private final Path home;
    private final String user;
    private final String netns;

    private Cli(Path bin, Path home, String user) {
        this(bin, home, user, null);
    }

    private Cli(Path bin, Path home, String user, String netns) {
        this.bin = bin;
        this.home = home;
        this.user = user;
        this.netns = netns;
    }

    /** @return this client run inside network namespace {@code netns} (ip netns exec), with the platform it starts */
    Cli inNamespace(String netns) {
        return new Cli(bin, home, user, netns);
    }

    /** @return a client for {@code home} as the test's own user, from the build tree */
    static Cli of(Path home) {
        return new Cli(PlatformOptions.root().resolve("bin/quiesce"), home, null);
    }

    /**
     * Copies bin/quiesce, the client and the platform jar to a world-readable folder and returns a client that runs
     * them as {@code user} with a home of its own.
     */
    static Cli as(String user, Path scratch) throws IOException, InterruptedException {
        Path root = PlatformOptions.root();
        Path copy = scratch.resolve("install");
        for (String f : List.of("bin/quiesce", "cli/target/quiesce-cli.jar", "distro/target/quiesce.jar")) {
            Files.createDirectories(copy.resolve(f).getParent());
            Files.copy(root.resolve(f), copy.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(copy.resolve("cli/target/lib"));
        try (Stream<Path> libs = Files.list(root.resolve("cli/target/lib"))) {
            for (Path l : libs.toList()) {
                Files.copy(l, copy.resolve("cli/target/lib").resolve(l.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        openUp(scratch);
        // the user creates nothing outside its home: make it here and hand it over
        Path home = Files.createDirectories(scratch.resolve("home-" + user));
        var lookup = home.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(home, lookup.lookupPrincipalByName(user));
        Files.getFileAttributeView(home, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(lookup.lookupPrincipalByGroupName(user));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return new Cli(copy.resolve("bin/quiesce"), home, user);
    }

    /**
     * Makes a tree readable (and its folders and executables enterable/runnable) by everyone, except the homes in it
     * ({@code home-*}): those stay private, and a platform refuses a token others can read.
     */
    static void openUp(Path tree) throws IOException {
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.toList()) {
                if (tree.relativize(p).toString().startsWith("home-")) {
                    continue;
                }
                boolean exec = Files.isDirectory(p) || Files.isExecutable(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        for (Path p = tree; p != null && p.getParent() != null; p = p.getParent()) {
            if (!Files.isReadable(p) || !PosixFilePermissions.toString(Files.getPosixFilePermissions(p)).endsWith("x")) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    Path home() {
        return home;
    }

    String user() {
        return user == null ? System.getProperty("user.name") : user;
    }

    Run run(String... args) throws IOException, InterruptedException {
        List<String> program = new ArrayList<>(List.of(bin.toString()));
        program.addAll(List.of(args));
        return runWith(program, Map.of());
    }

    /** Runs a program as bin/quiesce runs (in this client's namespace, as its user, for its home), with more environment. */
    Run runWith(List<String> program, Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        if (user != null) {
            cmd.addAll(List.of("runuser", "-u", user, "--", "env", "QUIESCE_HOME=" + home, "HOME=/home/" + user));
            env.forEach((k, v) -> cmd.add(k + "=" + v));
        }
        cmd.addAll(program);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().put("QUIESCE_HOME", home.toString());
        Path out = Files.createTempFile("quiesce-out", ".txt");
        Path err = Files.createTempFile("quiesce-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(String.join(" ", program) + " finished", p.waitFor(120, TimeUnit.SECONDS));
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim(), Files.readString(err, StandardCharsets.UTF_8).trim());
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Runs a command that must succeed and returns its JSON output. */
    JsonNode ok(String... args) throws IOException, InterruptedException {
        Run r = run(args);
        assertEquals(String.join(" ", args) + ": " + r.err(), 0, r.exit());
        return args[args.length - 1].equals("--json") || List.of(args).contains("--json") ? r.json() : null;
    }

    /** Compiles a C program once into a world-readable folder. */
    static Path compile(Path source, Path into) throws IOException, InterruptedException {
        Path bin = into.resolve(source.getFileName().toString().replace(".c", ""));
        if (!Files.isExecutable(bin)) {
            Files.createDirectories(into);
            Process gcc = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), source.toString()).inheritIO().start();
            assertEquals("gcc " + source, 0, gcc.waitFor());
        }
        return bin;
    }
}
