package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * /proc/PID/fdinfo/FD: a descriptor's file position and open flags.
 *
 * @param pos   the file position ({@code pos:})
 * @param flags the open flags ({@code flags:}, octal), including O_CLOEXEC for a close-on-exec descriptor
 */
public record FdInfo(long pos, int flags) {

    /** @return the fdinfo of descriptor {@code fd} of {@code pid} */
    public static FdInfo read(Path proc, long pid, int fd) throws IOException {
        return parse(Files.readString(proc.resolve(pid + "/fdinfo/" + fd)));
    }

    /**
     * @param text an fdinfo file's contents
     * @throws IllegalArgumentException when pos or flags is missing
     */
    public static FdInfo parse(String text) {
        Long pos = null;
        Integer flags = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("pos:")) {
                pos = Long.parseLong(line.substring(4).trim());
            } else if (line.startsWith("flags:")) {
                flags = Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        if (pos == null || flags == null) {
            throw new IllegalArgumentException("fdinfo without pos or flags: " + text);
        }
        return new FdInfo(pos, flags);
    }
}
