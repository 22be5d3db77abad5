package io.quiesce.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quiesce.api.CheckpointInfo;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.JobInfo;
import io.quiesce.api.JobPiece;
import io.quiesce.api.PlatformStatus;
import io.quiesce.api.PluginInfo;
import io.quiesce.api.RestartResult;
import io.quiesce.api.image.FdEntry;
import io.quiesce.api.image.Manifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders command results as text for people or as JSON for scripts. The JSON field names are a contract
 * (README, design §1): fields may be added, never renamed.
 */
public final class Formatter {
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Formatter() {
    }

    /**
     * @param value a map, list or record tree
     * @return compact JSON
     */
    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getOriginalMessage(), e);
        }
    }

    static Map<String, Object> job(JobInfo j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", j.id());
        m.put("name", j.name());
        m.put("state", j.state().name().toLowerCase());
        m.put("pids", j.pids());
        m.put("rootPid", j.rootPid());
        m.put("command", j.argv());
        m.put("started", j.started().toString());
        m.put("backend", j.backend());
        m.put("exitStatus", j.exitStatus());
        m.put("checkpoints", j.epochs());
        m.put("folder", j.folder().toString());
        List<Map<String, Object>> pieces = new ArrayList<>();
        for (JobPiece p : j.pieces()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("host", p.host());
            pm.put("state", p.state().name().toLowerCase());
            pm.put("rootPid", p.rootPid());
            pm.put("pids", p.pids());
            pm.put("note", p.note());
            pieces.add(pm);
        }
        m.put("pieces", pieces);
        return m;
    }

    /** @return the job's PIDs; with each host's name when it has pieces on other hosts ({@code a:1,2 b:7}) */
    private static String where(JobInfo j) {
        boolean local = j.pieces().isEmpty() || j.pieces().size() == 1 && j.pieces().get(0).pids().equals(j.pids())
                && j.pieces().get(0).rootPid() == j.rootPid() && j.pieces().get(0).note() == null;
        if (local) {
            return pids(j.pids());
        }
        List<String> out = new ArrayList<>();
        for (JobPiece p : j.pieces()) {
            out.add(p.host() + ":" + (p.note() != null ? "?" : pids(p.pids())));
        }
        return String.join(" ", out);
    }

    static String jobs(List<JobInfo> jobs, boolean json) {
        if (json) {
            return json(jobs.stream().map(Formatter::job).toList());
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] { "JOB", "NAME", "STATE", "PIDS", "CKPTS", "COMMAND" });
        for (JobInfo j : jobs) {
            String state = j.state().name().toLowerCase() + (j.exitStatus() != null ? "(" + j.exitStatus() + ")" : "");
            rows.add(new String[] { j.id(), j.name(), state, where(j), Long.toString(j.epochs()), String.join(" ", j.argv()) });
        }
        return table(rows);
    }

    static String launched(JobInfo j, boolean json) {
        return launched(j, null, json);
    }

    /** @param host where the piece was started, or null for this platform's host */
    static String launched(JobInfo j, String host, boolean json) {
        if (json) {
            return json(job(j));
        }
        if (host != null) {
            JobPiece p = j.pieces().stream().filter(x -> x.host().equals(host)).findFirst().orElse(null);
            return "job " + j.id() + " (" + j.name() + ") started on host " + host + ": PID "
                    + (p == null || p.rootPid() < 0 ? "?" : Long.toString(p.rootPid())) + ", output in that host's jobs/" + j.id() + "/output.log";
        }
        return "job " + j.id() + " (" + j.name() + ") started: PID " + j.rootPid() + ", output in " + j.folder().resolve("output.log");
    }

    static String checkpoint(CheckpointResult r, boolean json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", r.job());
        m.put("checkpoint", r.checkpoint().toString());
        m.put("epoch", r.epoch());
        m.put("bytes", r.bytes());
        m.put("millis", r.millis());
        m.put("pauseMillis", r.pauseMillis());
        m.put("backend", r.backend());
        m.put("fabrics", r.fabrics());
        m.put("killed", r.killed());
        m.put("warnings", r.warnings());
        if (json) {
            return json(m);
        }
        StringBuilder sb = new StringBuilder("checkpoint " + r.epoch() + " of job " + r.job() + " committed: " + r.checkpoint()
                + "\n  " + bytes(r.bytes()) + " in " + r.millis() + " ms, job paused " + r.pauseMillis() + " ms, backend " + r.backend()
                + (r.killed() ? ", job killed" : ", job running"));
        r.warnings().forEach(w -> sb.append("\n  warning: ").append(w));
        return sb.toString();
    }

    static String restart(RestartResult r, boolean json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", r.job());
        m.put("from", r.from().toString());
        m.put("pids", r.pids());
        m.put("warnings", r.warnings());
        if (json) {
            return json(m);
        }
        StringBuilder sb = new StringBuilder("job " + r.job() + " restarted from " + r.from() + ": PIDs " + pids(r.pids()));
        r.warnings().forEach(w -> sb.append("\n  warning: ").append(w));
        return sb.toString();
    }

    static String checkpoints(List<CheckpointInfo> list, boolean json) {
        if (json) {
            return json(list.stream().map(c -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("job", c.job());
                m.put("epoch", c.epoch());
                m.put("checkpoint", c.folder().toString());
                m.put("created", c.created().toString());
                m.put("bytes", c.bytes());
                m.put("backend", c.backend());
                m.put("latest", c.latest());
                return m;
            }).toList());
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] { "JOB", "EPOCH", "CREATED", "SIZE", "BACKEND", "FOLDER" });
        for (CheckpointInfo c : list) {
            rows.add(new String[] { c.job(), c.epoch() + (c.latest() ? "*" : ""), c.created().toString(), bytes(c.bytes()), c.backend(),
                    c.folder().toString() });
        }
        return table(rows);
    }

    static String plugins(List<PluginInfo> list, boolean json, boolean backends) {
        if (json) {
            return json(list.stream().map(p -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.name());
                m.put("available", p.available());
                m.put("reason", p.reason());
                m.put("ranking", p.ranking());
                if (backends) {
                    m.put("selected", p.selected());
                    m.put("capabilities", p.capabilities());
                }
                m.put("bundle", p.bundle());
                return m;
            }).toList());
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] { "NAME", "RANKING", "STATUS", "BUNDLE" });
        for (PluginInfo p : list) {
            String status = (p.selected() ? "selected, " : "") + (p.available() ? "available" : "unavailable: " + p.reason());
            rows.add(new String[] { p.name(), Integer.toString(p.ranking()), status, p.bundle() });
        }
        return table(rows);
    }

    static String hosts(List<io.quiesce.api.HostInfo> list, boolean json) {
        if (json) {
            return json(list);
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] { "NAME", "ROLE", "STATE", "ADDRESS", "VERSION", "JOBS" });
        StringBuilder notes = new StringBuilder();
        for (var h : list) {
            rows.add(new String[] { h.name(), h.role(), h.state(), h.address(), h.version(), h.jobs() < 0 ? "?" : Integer.toString(h.jobs()) });
            if (h.note() != null) {
                notes.append("\n  ").append(h.name()).append(": ").append(h.note());
            }
        }
        return table(rows) + notes;
    }

    static String manifest(Manifest m, boolean json) {
        if (json) {
            return json(m);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("checkpoint ").append(m.epoch()).append(" of job ").append(m.jobId()).append(" (").append(m.jobName()).append(")\n");
        sb.append("  format    ").append(m.magic()).append(" v").append(m.formatVersion()).append('\n');
        sb.append("  created   ").append(m.created()).append('\n');
        sb.append("  command   ").append(String.join(" ", m.argv())).append('\n');
        sb.append("  backend   ").append(m.backend()).append('\n');
        sb.append("  fabrics   ").append(m.fabrics().isEmpty() ? "-" : String.join(", ", m.fabrics())).append('\n');
        sb.append("  size      ").append(bytes(m.bytes()));
        m.hosts().forEach(h -> {
            sb.append("\n  host ").append(h.host()).append(": ").append(h.processes().size()).append(" processes, ")
                    .append(h.files().size()).append(" files");
            h.processes().forEach(p -> {
                long saved = p.regions().stream().mapToLong(r -> r.savedBytes()).sum();
                sb.append("\n    PID ").append(p.pid()).append(" (").append(p.comm()).append("), parent ").append(p.ppid()).append(", ")
                        .append(p.threads()).append(p.threads() == 1 ? " thread, " : " threads, ").append(bytes(saved)).append(" saved: ")
                        .append(String.join(" ", p.argv()));
                for (var r : p.regions()) {
                    sb.append(String.format("%n      %012x-%012x %s %9s saved", r.start(), r.end(), r.protection(), bytes(r.savedBytes())));
                    if (!r.runs().isEmpty()) {
                        sb.append(String.format(" in %d run%s, crc32c %s", r.runs().size(), r.runs().size() == 1 ? "" : "s",
                                String.join(",", r.runs().stream().map(x -> String.format("%08x", x.crc32c())).limit(4).toList())
                                        + (r.runs().size() > 4 ? ",..." : "")));
                    }
                    if (r.path() != null && !r.path().isEmpty()) {
                        sb.append("  ").append(r.path());
                    }
                }
                for (var fd : p.fds()) {
                    sb.append("\n      fd ").append(fd.fd()).append(' ').append(fd.kind().name().toLowerCase().replace('_', '-')).append(' ')
                            .append(describe(fd));
                }
            });
        });
        m.warnings().forEach(w -> sb.append("\n  warning: ").append(w));
        return sb.toString();
    }

    private static String describe(FdEntry fd) {
        if (fd instanceof FdEntry.RegularFile f) {
            return f.path() + " @" + f.offset() + String.format(" flags 0%o", f.flags()) + (f.deleted() ? " (deleted, contents saved)" : "");
        } else if (fd instanceof FdEntry.CharDevice c) {
            return c.path();
        } else if (fd instanceof FdEntry.Pipe p) {
            return "pipe:[" + p.inode() + "] " + (p.writeEnd() ? "write" : "read") + " end";
        } else if (fd instanceof FdEntry.Fifo f) {
            return f.path();
        } else if (fd instanceof FdEntry.TcpSocket t) {
            return t.state() + " " + t.local() + (t.remote() == null ? "" : " -> " + t.remote());
        } else if (fd instanceof FdEntry.UnixSocket u) {
            return "socket:[" + u.inode() + "]" + (u.path() == null ? "" : " " + u.path());
        }
        return ((FdEntry.Other) fd).target();
    }

    static String status(PlatformStatus s, String control, boolean json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", s.version());
        m.put("pid", s.pid());
        m.put("home", s.home().toString());
        m.put("store", s.store().toString());
        m.put("control", control);
        m.put("selectedBackend", s.selectedBackend());
        m.put("jobs", s.jobs());
        m.put("running", s.running());
        if (json) {
            return json(m);
        }
        StringBuilder sb = new StringBuilder("Quiesce " + s.version() + " (PID " + s.pid() + ")");
        m.entrySet().stream().skip(2).forEach(e -> sb.append("\n  ").append(String.format("%-16s", e.getKey())).append(e.getValue() == null ? "none available" : e.getValue()));
        return sb.toString();
    }

    static String pids(List<Long> pids) {
        return pids.isEmpty() ? "-" : String.join(",", pids.stream().map(String::valueOf).toList());
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format("%.1f KiB", b / 1024.0);
        }
        if (b < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", b / 1048576.0);
        }
        return String.format("%.2f GiB", b / 1073741824.0);
    }

    /** Left-aligned columns separated by two spaces; the last column is not padded. */
    static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols - 1; c++) {
                width[c] = Math.max(width[c], r[c] == null ? 1 : r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            for (int c = 0; c < cols; c++) {
                String v = r[c] == null ? "-" : r[c];
                sb.append(c < cols - 1 ? String.format("%-" + width[c] + "s  ", v) : v);
            }
        }
        return sb.toString();
    }
}
