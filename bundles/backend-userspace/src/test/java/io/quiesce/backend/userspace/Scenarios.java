package io.quiesce.backend.userspace;

import static org.junit.Assert.fail;

import io.quiesce.api.HostJob;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.api.LaunchSpec;
import io.quiesce.process.Spawner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Test support: compiles the scenario programs of src/test/c with gcc (once per build), starts them with the
 * engine's own posix_spawn binding (never ProcessBuilder: the JDK reaper would take ptrace stops), and reads
 * their output files.
 */
public final class Scenarios {
    static final Path SRC = Path.of(System.getProperty("quiesce.scenarios.src", "src/test/c"));
    static final Path BIN = Path.of(System.getProperty("quiesce.scenarios.bin", "target/scenarios"));

    private Scenarios() {
    }

    /** @return the compiled scenario, compiling it if it is missing or older than its source */
    static synchronized Path binary(String name) throws IOException, InterruptedException {
        Path src = SRC.resolve(name + ".c").toAbsolutePath();
        Path bin = BIN.resolve(name).toAbsolutePath();
        if (!Files.exists(bin) || Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) < 0) {
            Files.createDirectories(BIN);
            // gcc is not traced, so ProcessBuilder is fine here
            Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-pthread", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                fail("gcc " + name + " failed: " + out);
            }
        }
        return bin;
    }

    /** Starts a scenario with its stdout/stderr appended to {@code log} (null: /dev/null). */
    static int spawn(String name, Path log, String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(binary(name).toString());
        argv.addAll(List.of(args));
        Path out = log == null ? Path.of("/dev/null") : log;
        return (int) Spawner.spawn(new LaunchSpec(argv, Map.of("PATH", "/usr/bin:/bin"), Path.of("/"), out, out));
    }

    /** @return true when the child is still running (not exited, not yet reaped) */
    static boolean alive(int pid) {
        int[] st = new int[1];
        return LibC.INSTANCE.waitpid(pid, st, LibC.WNOHANG) == 0;
    }

    /** Kills a child and reaps it; quiet when it is gone. */
    static void kill(int pid) {
        LibC.INSTANCE.kill(pid, LibC.SIGKILL);
        int[] st = new int[1];
        LibC.INSTANCE.waitpid(pid, st, 0);
    }

    public static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** Waits for a line matching {@code p}; fails with the file's tail after {@code millis}. */
    public static String await(Path file, Predicate<String> p, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            Optional<String> hit = lines(file).stream().filter(p).findFirst();
            if (hit.isPresent()) {
                return hit.get();
            }
            Thread.sleep(10);
        }
        List<String> all = lines(file);
        fail("no matching line in " + file + " within " + millis + " ms; last lines: "
                + all.subList(Math.max(0, all.size() - 5), all.size()));
        return null;
    }

    /** @return the value of {@code key=} in a line of the form {@code a=1 b=2} */
    static long field(String line, String key) {
        for (String f : line.split(" ")) {
            if (f.startsWith(key + "=")) {
                return Long.parseLong(f.substring(key.length() + 1));
            }
        }
        throw new AssertionError("no " + key + " in: " + line);
    }

    /** @return the last line of a file */
    static String last(Path file) throws IOException {
        List<String> l = lines(file);
        return l.isEmpty() ? "" : l.get(l.size() - 1);
    }

    /** @return a fresh staging folder (0700) as the platform makes it */
    static Path staging(Path parent) throws IOException {
        return Files.createDirectory(parent.resolve("staging"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Writes the platform's manifest into a dumped folder, as the coordinator does at commit. */
    static void commit(Path folder, String backend, int version) throws IOException {
        Manifest m = new Manifest(ImageFormat.MAGIC, version, "job1", "job1", List.of("x"), 1, "2026-01-01T00:00:00Z", backend,
                List.of(), List.of(), 0, List.of());
        Files.write(folder.resolve(ImageFormat.MANIFEST), ImageFiles.json().writeValueAsBytes(m));
    }

    static HostJob job(Path folder, long... pids) {
        List<Long> l = new ArrayList<>();
        for (long p : pids) {
            l.add(p);
        }
        return new HostJob("job1", "job1", pids[0], l, folder);
    }

    /** @return the live (non-zombie) children of this JVM, from /proc/self/task/STAR/children */
    static List<Long> liveChildren() throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String c;
                try {
                    c = Files.readString(t.resolve("children")).trim();
                } catch (IOException e) {
                    continue;
                }
                for (String s : c.isEmpty() ? new String[0] : c.split(" ")) {
                    long pid = Long.parseLong(s);
                    try {
                        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                        if (stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
                            out.add(pid);
                        }
                    } catch (IOException e) {
                        // gone meanwhile
                    }
                }
            }
        }
        return out;
    }

    /** @return the process tree below {@code root}, root first, parents before children (as the coordinator lists it) */
    static List<Long> tree(long root) throws IOException {
        List<Long> out = new java.util.ArrayList<>(List.of(root));
        for (int i = 0; i < out.size(); i++) {
            String c;
            try {
                c = java.nio.file.Files.readString(Path.of("/proc/" + out.get(i) + "/task/" + out.get(i) + "/children")).trim();
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // ended since its parent was read
            }
            for (String s : c.isEmpty() ? new String[0] : c.split(" ")) {
                out.add(Long.parseLong(s));
            }
        }
        return out;
    }
}
