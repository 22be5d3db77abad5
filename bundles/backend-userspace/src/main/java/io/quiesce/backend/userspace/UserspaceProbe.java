package io.quiesce.backend.userspace;

import io.quiesce.api.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this host lets the userspace engine work: x86_64 Linux, ptrace permitted for the platform's user
 * (Yama scope, if Yama is present), and /proc readable. The /proc root is configurable so the probe is tested on
 * fixture trees.
 */
final class UserspaceProbe {
    private final Path proc;
    private final String os;
    private final String arch;
    private final boolean root;

    UserspaceProbe(Path proc, String os, String arch, boolean root) {
        this.proc = proc;
        this.os = os;
        this.arch = arch;
        this.root = root;
    }

    static UserspaceProbe host() {
        return new UserspaceProbe(Path.of("/proc"), System.getProperty("os.name"), System.getProperty("os.arch"),
                "root".equals(System.getProperty("user.name")));
    }

    Availability probe() {
        if (!"Linux".equals(os)) {
            return Availability.no("needs Linux; this is " + os);
        }
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
            return Availability.no("needs x86_64; this is " + arch);
        }
        Path self = proc.resolve("self");
        for (String f : new String[] { "maps", "stat", "status", "pagemap" }) {
            if (!Files.isReadable(self.resolve(f))) {
                return Availability.no(proc + " is not readable (" + self.resolve(f) + "): is /proc mounted?");
            }
        }
        Path yama = proc.resolve("sys/kernel/yama/ptrace_scope");
        if (Files.exists(yama)) {
            int scope;
            try {
                scope = Integer.parseInt(Files.readString(yama).trim());
            } catch (IOException | NumberFormatException e) {
                return Availability.no("cannot read " + yama + ": " + e.getMessage());
            }
            if (scope == 3) {
                return Availability.no("ptrace is disabled (" + yama + " = 3)");
            }
            if (scope == 2 && !root) {
                return Availability.no("ptrace needs CAP_SYS_PTRACE here (" + yama + " = 2); run the platform as root or lower the scope");
            }
        }
        return Availability.yes();
    }
}
