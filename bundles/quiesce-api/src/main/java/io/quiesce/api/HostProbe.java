package io.quiesce.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Small host facts that availability probes of several plug-ins need. Pure Java, so a probe never loads a
 * native library just to find out that it is missing.
 */
public final class HostProbe {
    private static final List<String> LIBRARY_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib", "/usr/local/lib64");

    private HostProbe() {
    }

    /**
     * Looks for a shared library the way a user would check an installation: in {@code LD_LIBRARY_PATH} and the
     * standard library folders.
     *
     * @param soname the library's file name, e.g. {@code libcr.so.0}
     * @return its path, or empty when it is in none of those folders
     */
    public static Optional<Path> findLibrary(String soname) {
        List<String> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(List.of(ld.split(":")));
        }
        dirs.addAll(LIBRARY_DIRS);
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, soname)).filter(Files::exists).findFirst();
    }

    /** @return the running kernel's release, e.g. {@code 6.18.44}, from {@code /proc/sys/kernel/osrelease} */
    public static String kernelRelease() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    /**
     * @param folder a folder such as {@code /sys/class/infiniband}
     * @return its entries' names, sorted; empty when it does not exist
     */
    public static List<String> entries(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
