package io.quiesce.fabric.tcp;

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
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Re-runs the fabric's scenario tests as the unprivileged user {@code qtest} (as backend-userspace's test of the
 * same name does), when the build runs as root and that user exists; skipped otherwise. The test classpath is
 * copied where that user can read it.
 */
public class UnprivilegedRerunTest {
    private static final String USER = "qtest";

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void scenarioTestsPassWithoutPrivileges() throws Exception {
        assumeTrue("runs as root only", "root".equals(System.getProperty("user.name")));
        assumeTrue("user " + USER + " exists", Files.readString(Path.of("/etc/passwd")).contains("\n" + USER + ":"));
        assumeTrue("runuser is installed", Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")));
        Path root = Files.createDirectories(tmp.getRoot().toPath().resolve("qtest"));
        tmp.getRoot().setExecutable(true, false);
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
        copy(FabricTest.SRC.toAbsolutePath(), c);
        openUp(root);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path log = tmp.getRoot().toPath().resolve("qtest.log");
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", USER, "--", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquiesce.scenarios.src=" + c, "-Dquiesce.scenarios.bin=" + bin, "-Djna.tmpdir=" + bin, "-cp", String.join(File.pathSeparator, cp),
                "org.junit.runner.JUnitCore"));
        List<Class<?>> classes = List.of(RingTest.class, TcpStreamTest.class, SocketpairTest.class, ListenerTest.class, HalfCloseTest.class,
                ExternalTest.class, RefillOverflowTest.class);
        String only = System.getProperty("quiesce.rerun", ""); // e.g. -Dquiesce.rerun=RefillOverflowTest: only those (comma-separated)
        for (Class<?> k : classes) {
            if (only.isEmpty() || List.of(only.split(",")).contains(k.getSimpleName())) {
                cmd.add(k.getName());
            }
        }
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue("timed out", p.waitFor(540, TimeUnit.SECONDS));
        String out = Files.readString(log);
        out.lines().filter(l -> l.startsWith("OK (") || l.startsWith("Tests run") || l.startsWith("Failures") || l.matches("\\d+\\) .*")
                || l.startsWith("ring") || l.startsWith("tcpstream") || l.startsWith("socketpair") || l.startsWith("listen")
                || l.startsWith("external") || l.startsWith("halfclose") || l.startsWith("refill") || l.contains("tcp: refill")
                || l.contains("SIGCONT")).forEach(l -> System.out.println("as " + USER + ": " + l));
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
