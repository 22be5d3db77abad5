package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** /proc/PID/status as {@code key: value} pairs, with typed getters for the fields the engine uses. */
public final class ProcStatus {
    private final Map<String, String> fields;

    private ProcStatus(Map<String, String> fields) {
        this.fields = fields;
    }

    /** @return the status of {@code pid} under the /proc root {@code proc} */
    public static ProcStatus read(Path proc, long pid) throws IOException {
        return parse(Files.readString(proc.resolve(pid + "/status")));
    }

    /** @param text a status file's contents */
    public static ProcStatus parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return new ProcStatus(m);
    }

    /** @return the raw value of a field, or null */
    public String get(String key) {
        return fields.get(key);
    }

    /** @return the file-creation mask ({@code Umask}, octal) */
    public int umask() {
        return Integer.parseInt(required("Umask"), 8);
    }

    /** @return the thread count ({@code Threads}) */
    public int threads() {
        return Integer.parseInt(required("Threads"));
    }

    /** @return the blocked-signal mask ({@code SigBlk}, hex) */
    public long sigBlk() {
        return Long.parseUnsignedLong(required("SigBlk"), 16);
    }

    /**
     * @return the process's PID in each PID namespace it is in ({@code NSpid}), outermost first; the last one is
     *         what it sees as its own PID
     */
    public long[] nsPids() {
        String v = fields.get("NSpid");
        if (v == null) {
            v = required("Pid");
        }
        return java.util.Arrays.stream(v.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
    }

    /** @return the PID this process sees as its own (the last {@code NSpid} entry) */
    public long nsPid() {
        long[] l = nsPids();
        return l[l.length - 1];
    }

    private String required(String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("status has no " + key + " field");
        }
        return v;
    }
}
