package io.quiesce.backend.blcr;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the test tree's native fixtures once per JVM into {@code target/native}: the libcr ABI double
 * ({@code libcr.so.0}), the layout printer, and an executable copy of the cr_restart double script. Also lets tests
 * steer the double through the process environment (setenv, which the double's getenv sees; Java's own view of the
 * environment is fixed at start-up).
 */
public final class NativeFixtures {
    private static final Path BASE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path SRC = BASE.resolve("src/test/c");
    private static final Path OUT = BASE.resolve("target/native");
    private static Path libcr;
    private static Path layout;
    private static Path crRestart;

    private NativeFixtures() {
    }

    /** glibc's environment calls, for steering the double. */
    public interface Env extends Library {
        /** The loaded C library. */
        Env INSTANCE = Native.load("c", Env.class);

        int setenv(String name, String value, int overwrite);

        int unsetenv(String name);
    }

    /** @return the compiled libcr double, named {@code libcr.so.0} with that soname */
    public static synchronized Path libcrDouble() throws IOException, InterruptedException {
        if (libcr == null) {
            libcr = OUT.resolve("libcr.so.0");
            gcc("-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-Wl,-soname,libcr.so.0", "-o", libcr.toString(),
                    SRC.resolve("libcr_double.c").toString());
        }
        return libcr;
    }

    /** @return the compiled program printing blcr_abi.h's sizes, offsets and constants */
    public static synchronized Path layoutProgram() throws IOException, InterruptedException {
        if (layout == null) {
            layout = OUT.resolve("layout");
            gcc("-Wall", "-Werror", "-o", layout.toString(), SRC.resolve("layout.c").toString());
        }
        return layout;
    }

    /** @return an executable copy of the cr_restart double script */
    public static synchronized Path crRestartDouble() throws IOException {
        if (crRestart == null) {
            Files.createDirectories(OUT);
            crRestart = OUT.resolve("cr_restart");
            Files.copy(BASE.resolve("src/test/sh/cr_restart_double.sh"), crRestart, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(crRestart, PosixFilePermissions.fromString("rwx------"));
        }
        return crRestart;
    }

    /**
     * @param program a program
     * @return its standard output
     */
    public static String run(Path program) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(program + " failed: " + out);
        }
        return out;
    }

    private static void gcc(String... args) throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-I", SRC.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("gcc failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }

    /** Sets a variable the double reads at call time. */
    public static void setenv(String name, String value) {
        if (value == null) {
            Env.INSTANCE.unsetenv(name);
        } else {
            Env.INSTANCE.setenv(name, value, 1);
        }
    }
}
