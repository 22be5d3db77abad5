package io.quiesce.backend.userspace;

import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Re-runs test classes as the unprivileged user {@code qtest} (no capabilities), when the build runs as root and
 * that user exists ({@code useradd -m qtest}); skipped otherwise. The test classpath and the scenario sources are
 * copied to a folder that user can read, since a build's ~/.m2 usually is not. Shared by every bundle whose tests
 * must also pass without privileges (through this bundle's test jar).
 */
public final class UnprivilegedRerun {
    /** The unprivileged user. */
    public static final String USER = "qtest";

    private UnprivilegedRerun() {
    }

    /**
     * @param folder      a private folder for the copies (made world-traversable)
     * @param scenarioSrc the C scenario sources the tests compile
     * @param classes     the test classes to run
     * @param timeout     how long they may take, in seconds
     * @param shown       the output lines worth printing in the build log
     */
    public static void run(Path folder, Path scenarioSrc, List<Class<?>> classes, long timeout, Predicate<String> shown) throws Exception {
        assumeTrue("runs as root only", "root".equals(System.getProperty("user.name")));
        assumeTrue("user " + USER + " exists", Files.readString(Path.of("/etc/passwd")).contains("\n" + USER + ":"));
        assumeTrue("runuser is installed", Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")));
        Path root = Files.createDirectories(folder.resolve(USER));
        folder.toFile().setExecutable(true, false);
        List<String> cp = new ArrayList<>();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int i = 0;
        for (String entry : classpath.split(File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = root.resolve(i++ + "-" + src.getFileName());
            copy(src, dst);
            cp.add(dst.toString());
        }
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path c = root.resolve("c");
        copy(scenarioSrc.toAbsolutePath(), c);
        openUp(root);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path log = folder.resolve(USER + ".log");
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", USER, "--", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquiesce.scenarios.src=" + c, "-Dquiesce.scenarios.bin=" + bin, "-Djna.tmpdir=" + bin,
                "-cp", String.join(File.pathSeparator, cp), "org.junit.runner.JUnitCore"));
        classes.forEach(k -> cmd.add(k.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue("timed out", p.waitFor(timeout, TimeUnit.SECONDS));
        String out = Files.readString(log);
        out.lines().filter(l -> l.startsWith("OK (") || l.startsWith("Tests run") || l.startsWith("Failures") || l.matches("\\d+\\) .*")
                || shown.test(l)).forEach(l -> System.out.println("as " + USER + ": " + l));
        assertTrue("as " + USER + ":\n" + out, p.exitValue() == 0 && out.contains("OK ("));
    }

    private static void copy(Path src, Path dst) throws IOException {
        if (!Files.isDirectory(src)) {
            Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        try (Stream<Path> s = Files.walk(src)) {
            for (Path f : s.toList()) {
                Path t = dst.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void openUp(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
