package io.quiesce.backend.blcr;

import io.quiesce.process.ProcStat;
import io.quiesce.process.ProcFs;
import com.sun.jna.Native;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.backend.blcr.linux.LibC;
import io.quiesce.process.Spawner;
import io.quiesce.api.LaunchSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One restart of a BLCR checkpoint through the {@code cr_restart} program, which BLCR recommends over the
 * experimental {@code cr_request_restart} (that call forks the restarted processes out of the caller, here the JVM).
 *
 * <p>{@code cr_restart} is started with posix_spawn in a session of its own, its output appended to the job's log,
 * with {@code --stop} so that every restarted process is stopped when the restart completes (the platform's
 * "restored but not released" state) and with {@code --run-on-*} hooks that write the outcome ({@code ok},
 * {@code temp}, {@code env}, {@code args}, {@code perm}) to a private status file: cr_restart's exit code alone cannot
 * tell a failed restart from a restarted job that exited. The hooks exit 0, so cr_restart still prints its
 * "Restart failed: ..." message into the log and exits with the errno.
 *
 * <p><b>PIDs.</b> The first attempt uses {@code --restore-pid}. When that fails temporarily with EBUSY (a saved PID
 * is taken), the restart is retried with {@code --no-restore-pid} unless {@link RestoreOptions#exactPids()} asks
 * for the original PIDs, in which case the restore fails and says which.
 *
 * <p><b>cr_restart stays.</b> cr_restart becomes the parent of the eldest restarted process, forwards signals to it
 * and exits with its status. {@link #release()} therefore reports cr_restart's PID first, as the job's root: the
 * platform reaps it (it is the JVM's child; the restarted processes are not) and so learns the job's exit status.
 * A later checkpoint of that root is what BLCR expects too: cr_restart's callback omits itself and forwards the
 * request to the restarted tree.
 */
final class BlcrRestore implements RestoreSession {
    private static final Logger LOG = LoggerFactory.getLogger(BlcrRestore.class);
    private static final int EBUSY = 16;
    private static final long POLL_MILLIS = 20;
    private static final int MAX_RELOCATIONS = 16;
    private static final int LOG_TAIL = 2000;

    private final Path crRestart;
    private final Map<String, String> env;
    private final ProcFs proc;
    private final Path folder;
    private final BlcrImage image;
    private final RestoreOptions options;
    private final int timeoutSeconds;
    private final Path output;
    private final List<String> warnings = new ArrayList<>();
    private Path statusFolder;
    private long crPid = -1;
    private List<Long> restored = List.of();
    private boolean released;

    /**
     * @param crRestart      the cr_restart program
     * @param env            cr_restart's environment
     * @param proc           the process table
     * @param folder         the committed checkpoint folder
     * @param image          its BLCR metadata
     * @param options        the platform's restore options
     * @param timeoutSeconds how long a restart may take before it is killed
     */
    BlcrRestore(Path crRestart, Map<String, String> env, ProcFs proc, Path folder, BlcrImage image, RestoreOptions options,
            int timeoutSeconds) {
        this.crRestart = crRestart;
        this.env = Map.copyOf(env);
        this.proc = proc;
        this.folder = folder;
        this.image = image;
        this.options = options;
        this.timeoutSeconds = timeoutSeconds;
        this.output = options.stdout() != null ? options.stdout() : options.jobFolder().resolve("cr_restart.log");
    }

    /** @return things the user should know about this restart (new PIDs), in order */
    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public List<FrozenProcess> restore() throws CheckpointException {
        try {
            statusFolder = Files.createTempDirectory(options.jobFolder(), ".blcr-restart-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new CheckpointException("cannot create a status folder in " + options.jobFolder() + ": " + e.getMessage(), -1, null,
                    options.jobFolder(), e);
        }
        Outcome first = attempt(true);
        Outcome done = first;
        if (first.pidTaken()) {
            if (options.exactPids()) {
                throw new CheckpointException("cannot restart " + folder + " with its original PIDs " + image.pids()
                        + ": one of them is in use (cr_restart --restore-pid: " + first.detail() + "). Stop the process holding it, "
                        + "or restart without exact PIDs", image.rootPid(), "EBUSY", folder.resolve(image.context()), null);
            }
            String w = "original PIDs " + image.pids() + " were in use: restarted with new PIDs (--no-restore-pid); processes that "
                    + "signal or wait for each other by PID may misbehave";
            LOG.warn("{}: {}", folder, w);
            warnings.add(w);
            done = attempt(false);
        }
        if (!done.ok()) {
            throw new CheckpointException("cr_restart could not restart " + folder.resolve(image.context()) + ": " + done.detail(),
                    -1, done.errno(), folder.resolve(image.context()), null);
        }
        return restored.stream().<FrozenProcess>map(BlcrProcess::new).toList();
    }

    /** The result of one cr_restart run up to the point where the restarted processes are stopped. */
    private record Outcome(boolean ok, boolean pidTaken, String detail, String errno) {
    }

    private Outcome attempt(boolean restorePid) throws CheckpointException {
        Path status = statusFolder.resolve(restorePid ? "status-restore-pid" : "status-new-pid");
        List<String> argv = new ArrayList<>(List.of(crRestart.toString(), "--stop", restorePid ? "--restore-pid" : "--no-restore-pid",
                "--kmsg-warning"));
        argv.add("--run-on-success=" + hook("ok", status));
        argv.add("--run-on-fail-temp=" + hook("temp", status));
        argv.add("--run-on-fail-env=" + hook("env", status));
        argv.add("--run-on-fail-args=" + hook("args", status));
        argv.add("--run-on-fail-perm=" + hook("perm", status));
        for (String r : relocations(options.relocations())) {
            argv.add("--relocate");
            argv.add(r);
        }
        argv.add(folder.resolve(image.context()).toString());
        long logStart = size(output);
        crPid = Spawner.spawn(new LaunchSpec(argv, env, options.jobFolder(), output, output));
        LOG.info("restarting {} with {} (PID {})", folder, String.join(" ", argv), crPid);
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        boolean succeeded = false;
        int[] wstatus = new int[1];
        while (System.nanoTime() - deadline < 0) {
            String result = read(status);
            if ("ok".equals(result)) {
                succeeded = true;
                List<Long> tree = proc.descendants(crPid);
                if (!tree.isEmpty() && tree.stream().allMatch(p -> proc.stat(p).map(ProcStat::stopped).orElse(false))) {
                    restored = tree;
                    return new Outcome(true, false, null, null);
                }
            }
            int rc = LibC.INSTANCE.waitpid((int) crPid, wstatus, LibC.WNOHANG);
            if (rc == crPid) {
                long pid = crPid;
                crPid = -1;
                int s = wstatus[0];
                boolean exited = (s & 0x7f) == 0;
                int code = exited ? (s >> 8) & 0xff : 128 + (s & 0x7f);
                String category = read(status);
                String tail = tail(output, logStart);
                if (succeeded || "ok".equals(category)) {
                    // cr_restart exits at once when the restarted root is not its child (it was an orphan of init when
                    // checkpointed), or with the job's status when the job ended before it could be seen stopped
                    return new Outcome(false, false, "cr_restart reported success but exited with " + code + " (PID " + pid
                            + ") before its restarted processes could be seen stopped under it" + tail, null);
                }
                String errno = exited ? Errno.name(code) : null;
                String kind = category == null ? "no outcome reported" : category + " failure";
                String detail = kind + ", cr_restart exited with " + code + (errno != null ? " (" + errno + ")" : "") + tail;
                return new Outcome(false, "temp".equals(category) && code == EBUSY, detail, errno);
            }
            sleep();
        }
        killRestart();
        return new Outcome(false, false, "no result within " + timeoutSeconds + " s; cr_restart was killed" + tail(output, logStart),
                "ETIMEDOUT");
    }

    /** A shell command for a cr_restart hook (run with system(3)) that records an outcome and exits 0. */
    static String hook(String outcome, Path status) {
        return "echo " + outcome + " > " + quote(status.toString());
    }

    /** Single-quotes a string for /bin/sh. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * @param relocations saved path prefix to new prefix
     * @return {@code --relocate} arguments, with '\' and '=' escaped as cr_restart parses them
     * @throws CheckpointException when a path is not absolute or there are more than cr_restart's 16
     */
    static List<String> relocations(Map<String, String> relocations) throws CheckpointException {
        if (relocations.size() > MAX_RELOCATIONS) {
            throw new CheckpointException("BLCR supports at most " + MAX_RELOCATIONS + " relocations, " + relocations.size() + " given");
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : relocations.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            if (!e.getKey().startsWith("/") || !e.getValue().startsWith("/")) {
                throw new CheckpointException("cannot relocate " + e.getKey() + " to " + e.getValue() + ": BLCR needs absolute paths");
            }
            out.add(escape(e.getKey()) + "=" + escape(e.getValue()));
        }
        return out;
    }

    private static String escape(String path) {
        return path.replace("\\", "\\\\").replace("=", "\\=");
    }

    @Override
    public List<Long> release() throws CheckpointException {
        if (crPid < 0 || restored.isEmpty()) {
            throw new CheckpointException("nothing restored to release");
        }
        List<String> failed = new ArrayList<>();
        for (long pid : restored) {
            if (LibC.INSTANCE.kill((int) pid, LibC.SIGCONT) != 0) {
                failed.add(pid + " (" + Errno.name(Native.getLastError()) + ")");
            }
        }
        if (!failed.isEmpty()) {
            throw new CheckpointException("cannot release restarted processes " + String.join(", ", failed));
        }
        released = true;
        List<Long> pids = new ArrayList<>();
        pids.add(crPid);
        pids.addAll(restored);
        return pids;
    }

    @Override
    public void close() {
        if (!released) {
            for (long pid : restored) {
                LibC.INSTANCE.kill((int) pid, LibC.SIGKILL);
            }
            killRestart();
        }
        if (statusFolder != null) {
            try (var s = Files.walk(statusFolder)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", statusFolder, e.getMessage());
            }
        }
    }

    /** Kills cr_restart and whatever it started, and reaps it: it is this JVM's child until released. */
    private void killRestart() {
        if (crPid < 0) {
            return;
        }
        for (long pid : proc.descendants(crPid)) {
            LibC.INSTANCE.kill((int) pid, LibC.SIGKILL);
        }
        LibC.INSTANCE.kill((int) crPid, LibC.SIGKILL);
        LibC.INSTANCE.waitpid((int) crPid, new int[1], 0);
        crPid = -1;
    }

    private static String read(Path status) {
        try {
            return Files.exists(status) ? Files.readString(status).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** @return what cr_restart wrote to the log since {@code from}, as "; output: ..." (last 2000 bytes), or "" */
    private static String tail(Path file, long from) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(from, f.length() - LOG_TAIL);
            byte[] b = new byte[(int) Math.max(0, f.length() - start)];
            f.seek(start);
            f.readFully(b);
            String text = new String(b, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : "; output: " + text.replace('\n', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep() throws CheckpointException {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while waiting for cr_restart");
        }
    }
}
