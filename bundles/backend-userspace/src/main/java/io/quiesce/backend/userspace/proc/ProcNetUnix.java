package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * /proc/PID/net/unix: the Unix sockets of a process's network namespace, with the path each is bound to
 * ({@code Num RefCount Protocol Flags Type St Inode Path}; an unbound socket has no path, an abstract one starts
 * with {@code @}).
 */
public final class ProcNetUnix {
    private ProcNetUnix() {
    }

    /** @return the bound path of each socket inode of {@code pid}'s network namespace that has one */
    public static Map<Long, String> paths(Path proc, long pid) throws IOException {
        return parse(Files.readString(proc.resolve(pid + "/net/unix")));
    }

    /**
     * @param text the file's contents
     * @return socket inode to path, for the sockets bound to a path
     */
    public static Map<Long, String> parse(String text) {
        Map<Long, String> out = new HashMap<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", 8);
            if (f.length == 8 && f[7].startsWith("/")) {
                out.put(Long.parseLong(f[6]), f[7]);
            }
        }
        return out;
    }
}
