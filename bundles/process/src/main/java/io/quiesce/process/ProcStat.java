package io.quiesce.process;

/**
 * The fields of {@code /proc/PID/stat} the coordinator needs.
 *
 * @param pid       the process ID
 * @param comm      its name, without the parentheses
 * @param state     its state letter (R, S, D, T, t, Z, X)
 * @param ppid      its parent
 * @param pgrp      its process group
 * @param session   its session
 * @param startTime its start time in clock ticks since boot (tells a PID from a reused one)
 */
public record ProcStat(long pid, String comm, char state, long ppid, long pgrp, long session, long startTime) {

    /**
     * Parses one stat line. The name may contain spaces and parentheses, so fields are counted from the last ')'.
     *
     * @param line the file's content
     * @return the parsed fields
     * @throws IllegalArgumentException when the line is not a stat line
     */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 1 || close < open) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + abbreviate(line));
        }
        String[] f = line.substring(close + 2).trim().split(" ");
        // After the name: state(3) ppid(4) pgrp(5) session(6) ... starttime(22); f[0] is field 3.
        if (f.length < 20) {
            throw new IllegalArgumentException("truncated /proc/PID/stat line: " + abbreviate(line));
        }
        try {
            return new ProcStat(Long.parseLong(line.substring(0, open).trim()), line.substring(open + 1, close), f[0].charAt(0),
                    Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed /proc/PID/stat line: " + abbreviate(line), e);
        }
    }

    /** @return true for a process that has exited but is not reaped yet, or is being torn down */
    public boolean dead() {
        return state == 'Z' || state == 'X' || state == 'x';
    }

    /** @return true for a process stopped by a signal ({@code T}) or held by a tracer ({@code t}) */
    public boolean stopped() {
        return state == 'T' || state == 't';
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
