package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Parses /proc/PID/maps. */
public final class ProcMaps {
    private ProcMaps() {
    }

    /**
     * @param proc the /proc root
     * @param pid  a process
     * @return its mappings in address order
     * @throws IOException when the file cannot be read
     */
    public static List<Vma> read(Path proc, long pid) throws IOException {
        return parse(Files.readString(proc.resolve(pid + "/maps")));
    }

    /**
     * @param text the contents of a maps file
     * @return its mappings in file order
     * @throws IllegalArgumentException on a malformed line (names it)
     */
    public static List<Vma> parse(String text) {
        List<Vma> vmas = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                // address perms offset dev inode [path]; the path may contain spaces, so split only the first 5 fields
                String[] f = line.trim().split("\\s+", 6);
                int dash = f[0].indexOf('-');
                long start = Long.parseUnsignedLong(f[0].substring(0, dash), 16);
                long end = Long.parseUnsignedLong(f[0].substring(dash + 1), 16);
                String path = f.length == 6 ? f[5].trim() : null;
                vmas.add(new Vma(start, end, f[1], Long.parseUnsignedLong(f[2], 16), f[3], Long.parseLong(f[4]),
                        path == null || path.isEmpty() ? null : path));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("malformed maps line: " + line, e);
            }
        }
        return vmas;
    }
}
