package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fields of /proc/PID/stat the engine needs: the parent, the state, and the address-space bounds that
 * {@code prctl(PR_SET_MM_MAP)} restores.
 *
 * @param pid        field 1
 * @param comm       field 2, without parentheses
 * @param state      field 3
 * @param ppid       field 4
 * @param threads    field 20
 * @param startCode  field 26
 * @param endCode    field 27
 * @param startStack field 28
 * @param startData  field 45
 * @param endData    field 46
 * @param startBrk   field 47
 * @param argStart   field 48
 * @param argEnd     field 49
 * @param envStart   field 50
 * @param envEnd     field 51
 * @param exitCode   field 52: the wait status of a zombie (0 when the reader may not see it, or on kernels before 3.5)
 * @param pgrp       field 5: the process group (as the reader's PID namespace sees it; 0 when outside it)
 * @param session    field 6: the session
 * @param ttyNr      field 7: the controlling terminal's device number (major bits 15..8, minor bits 31..20 and 7..0), 0 if none
 * @param tpgid      field 8: the foreground process group of that terminal, -1 if none
 */
public record ProcStat(long pid, String comm, char state, long ppid, int threads, long startCode, long endCode,
        long startStack, long startData, long endData, long startBrk, long argStart, long argEnd, long envStart,
        long envEnd, int exitCode, long pgrp, long session, int ttyNr, long tpgid) {

    /** @return the stat of {@code pid} under the /proc root {@code proc} */
    public static ProcStat read(Path proc, long pid) throws IOException {
        return parse(Files.readString(proc.resolve(pid + "/stat")));
    }

    /**
     * @param text one stat line
     * @return its fields
     * @throws IllegalArgumentException when it has too few fields
     */
    public static ProcStat parse(String text) {
        // comm may contain spaces and ')' itself: it ends at the last ')'
        int open = text.indexOf('(');
        int close = text.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("malformed stat: " + text);
        }
        String[] rest = text.substring(close + 2).trim().split(" ");
        if (rest.length < 49) {
            throw new IllegalArgumentException("stat has " + (rest.length + 2) + " fields, expected at least 51");
        }
        return new ProcStat(Long.parseLong(text.substring(0, open).trim()), text.substring(open + 1, close),
                rest[0].charAt(0), f(rest, 4), (int) f(rest, 20), f(rest, 26), f(rest, 27), f(rest, 28), f(rest, 45),
                f(rest, 46), f(rest, 47), f(rest, 48), f(rest, 49), f(rest, 50), f(rest, 51),
                rest.length >= 50 ? (int) f(rest, 52) : 0, f(rest, 5), f(rest, 6), (int) f(rest, 7), Long.parseLong(rest[8 - 3]));
    }

    /** @return field 22 of {@code pid}'s stat: when it started, in clock ticks since boot ({@link ProcUptime}) */
    public static long startTime(Path proc, long pid) throws IOException {
        String text = Files.readString(proc.resolve(pid + "/stat"));
        return f(text.substring(text.lastIndexOf(')') + 2).trim().split(" "), 22);
    }

    private static long f(String[] rest, int field) {
        return Long.parseUnsignedLong(rest[field - 3]); // rest[0] is field 3
    }
}
