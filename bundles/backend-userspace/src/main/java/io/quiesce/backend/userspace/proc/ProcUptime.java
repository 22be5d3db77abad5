package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** /proc/uptime: seconds since boot, in the clock ticks /proc/PID/stat counts start times in. */
public final class ProcUptime {
    /** USER_HZ: the tick of /proc/PID/stat times (100 on every Linux architecture the engine runs on). */
    public static final int TICKS_PER_SECOND = 100;

    private ProcUptime() {
    }

    /** @return the time since boot in clock ticks */
    public static long ticks(Path proc) throws IOException {
        String first = Files.readString(proc.resolve("uptime")).trim().split("\\s+")[0];
        return (long) (Double.parseDouble(first) * TICKS_PER_SECOND);
    }
}
