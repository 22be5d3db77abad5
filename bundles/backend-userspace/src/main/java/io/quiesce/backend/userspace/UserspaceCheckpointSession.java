package io.quiesce.backend.userspace;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.image.ProcessRecord;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.inject.InjectionFacility;
import io.quiesce.backend.userspace.image.ManifestRecords;
import io.quiesce.backend.userspace.image.ImageIndex;
import io.quiesce.backend.userspace.image.WrittenFileImage;
import io.quiesce.backend.userspace.files.WrittenFiles;
import io.quiesce.backend.userspace.image.ZombieImage;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.ProcStat;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.TracedProcess;
import io.quiesce.backend.userspace.seize.Tracer;
import io.quiesce.backend.userspace.proc.ProcTasks;
import io.quiesce.backend.userspace.proc.ProcUptime;
import io.quiesce.backend.userspace.seize.WaitStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint of one job's processes. Every ptrace and waitpid call runs on the session's own {@link Tracer}
 * thread; the methods called by the platform only hand work to it.
 */
final class UserspaceCheckpointSession implements CheckpointSession {
    private static final Logger LOG = LoggerFactory.getLogger(UserspaceCheckpointSession.class);

    private enum State { FROZEN, RUNNING, DEAD }

    private final HostJob job;
    private final Path proc;
    private final Tracer tracer;
    /** How long a freeze waits for its processes' stops. */
    private static final long FREEZE_TIMEOUT_MS = 2000;

    /** Polls of the fresh tracees' stops before the tracer waits a millisecond between polls */
    private static final int SPIN_PASSES = 200;
    private static final int MAX_FREEZE_ROUNDS = 500;

    private final Map<Long, TracedProcess> tracees = new LinkedHashMap<>();
    private long lastFreezeMicros;
    /** When the session opened (clock ticks since boot): children born since are the job's even if not listed. */
    private final long openedTicks;
    private final Map<Long, State> states = new LinkedHashMap<>();
    private final Map<Long, Integer> exitStatus = new LinkedHashMap<>();

    UserspaceCheckpointSession(HostJob job, Path proc) {
        this.job = job;
        this.proc = proc;
        this.tracer = new Tracer("quiesce-tracer-" + job.jobId());
        long now;
        try {
            now = ProcUptime.ticks(proc);
        } catch (IOException | RuntimeException e) {
            now = 0; // every child counts as new
        }
        this.openedTicks = now - 2; // the tick of a start time is coarse: a child born just before opening counts too
    }

    @Override
    public List<FrozenProcess> freeze() throws CheckpointException {
        return tracer.call(() -> {
            long t0 = System.nanoTime();
            try {
                settleFreeze();
            } catch (CheckpointException | RuntimeException e) {
                abandonFreeze();
                throw e;
            }
            List<FrozenProcess> frozen = new ArrayList<>();
            int threads = 0;
            for (TracedProcess p : tracees.values()) {
                frozen.add(new Frozen(p.pid(), p.pid(), new InjectionFacility(tracer, p.leader(), proc)));
                threads += p.threads().size();
            }
            lastFreezeMicros = (System.nanoTime() - t0) / 1000;
            LOG.info("job {}: {} processes frozen in {} us, {} threads", job.jobId(), frozen.size(), lastFreezeMicros, threads);
            return frozen;
        });
    }

    /**
     * Freezes the job's processes and every thread of each, then lists the job again (the children of every frozen
     * thread) and freezes what is new, until a listing brings nothing new: a process forked meanwhile (a shell
     * loop's short-lived child) is caught, one that ended meanwhile is dropped (a zombie is left to its parent's
     * image). Every process is interrupted before any stop is waited for, so they stop together.
     */
    private void settleFreeze() throws CheckpointException {
        List<Long> candidates = new ArrayList<>(job.pids());
        for (int round = 0; ; round++) {
            List<TracedProcess> fresh = new ArrayList<>();
            for (long pid : candidates) {
                if (tracees.containsKey(pid) || zombie(pid)) {
                    continue; // a zombie cannot be traced; the dump finds it among its parent's children
                }
                if (vforkChild(pid)) {
                    continue; // held, it would hold its parent in vfork too: taken once it has exec'd (next round)
                }
                TracedProcess p = TracedProcess.seize(proc, (int) pid);
                if (p == null) {
                    if (pid == job.rootPid() || round == 0 && pid == job.pids().get(0)) {
                        throw new CheckpointException("process " + pid + " of job " + job.jobId() + " (its root) has ended", pid,
                                "ESRCH", null, null);
                    }
                    continue; // ended before it could be seized
                }
                tracees.put(pid, p);
                states.put(pid, State.FROZEN);
                fresh.add(p);
            }
            awaitStops(fresh);
            candidates = descendants();
            if (tracees.keySet().containsAll(candidates)) {
                return;
            }
            if (fresh.isEmpty()) {
                sleepMillis(1); // only vfork children are left: give them time to exec
            }
            if (round >= MAX_FREEZE_ROUNDS) {
                throw new CheckpointException("job " + job.jobId() + ": its processes did not settle after " + MAX_FREEZE_ROUNDS
                        + " listings (new ones keep appearing: " + candidates.stream().filter(c -> !tracees.containsKey(c)).toList()
                        + "); nothing was checkpointed and the job runs on");
            }
        }
    }

    /** Takes the stops of freshly seized processes until each is stopped or ended, or fails after the deadline. */
    private void awaitStops(List<TracedProcess> fresh) throws CheckpointException {
        long deadline = System.nanoTime() + FREEZE_TIMEOUT_MS * 1_000_000;
        List<TracedProcess> waiting = new ArrayList<>(fresh);
        for (int pass = 0; !waiting.isEmpty(); pass++) {
            // the deadline is read before the pass: a stop that came by then is taken, never reported as missing
            boolean late = System.nanoTime() > deadline;
            for (java.util.Iterator<TracedProcess> it = waiting.iterator(); it.hasNext();) {
                TracedProcess p = it.next();
                if (!p.pollStops()) {
                    continue;
                }
                it.remove();
                if (p.ended() != null) {
                    // it ended before it stopped (the wait that saw the end handed it back to its parent)
                    LOG.info("job {}: process {} {} while being frozen; left out", job.jobId(), p.pid(), p.ended());
                    tracees.remove((long) p.pid());
                    states.remove((long) p.pid());
                    if (p.pid() == job.rootPid() || p.pid() == job.pids().get(0)) {
                        throw new CheckpointException("process " + p.pid() + " of job " + job.jobId() + " (its root) " + p.ended()
                                + " while being frozen", p.pid(), "ESRCH", null, null);
                    }
                }
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (late) {
                List<String> stuck = new ArrayList<>();
                for (TracedProcess p : waiting) {
                    stuck.add("process " + p.pid() + " threads " + p.unstopped() + " (" + stateOf(p.pid()) + ")");
                }
                throw new CheckpointException("job " + job.jobId() + " cannot be frozen: " + String.join(", ", stuck)
                        + " did not stop within " + FREEZE_TIMEOUT_MS + " ms (a vfork in progress, or an uninterruptible "
                        + "wait); nothing was checkpointed and the job runs on", waiting.get(0).pid(), null, null, null);
            }
            if (pass < SPIN_PASSES) {
                Thread.onSpinWait();
            } else {
                sleepMillis(1); // a tracer spinning on a busy host takes the CPU the tracees need to reach their stops
            }
        }
    }

    /**
     * @return true for a child created by vfork (or clone with CLONE_VM alone) that has not exec'd yet: it shares
     *         its parent's memory (kcmp KCMP_VM), and its parent waits uninterruptibly until it execs or ends
     */
    private boolean vforkChild(long pid) {
        long ppid = ppidOf(pid);
        return ppid > 0 && LibC.INSTANCE.syscall(Syscalls.KCMP, pid, ppid, Syscalls.KCMP_VM, 0, 0) == 0;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepMillis(long ms) throws CheckpointException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while freezing", e);
        }
    }

    /** @return the state letter and wait channel of a process, for the freeze's failure message */
    private String stateOf(long pid) {
        try {
            return "state " + ProcStat.read(proc, pid).state();
        } catch (IOException | RuntimeException e) {
            return "gone";
        }
    }

    /**
     * @return the children (of any thread) of the frozen processes that are not frozen yet and were born since the
     *         session opened; an older child not in the job's list was left out by the platform on purpose
     */
    private List<Long> descendants() {
        List<Long> out = new ArrayList<>();
        for (TracedProcess p : tracees.values()) {
            for (Tracee t : p.threads()) {
                try {
                    for (long c : ProcTasks.children(proc, p.pid(), t.tid())) {
                        if (!out.contains(c) && !tracees.containsKey(c) && !zombie(c) && bornSinceOpen(c)) {
                            out.add(c);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // a thread that ended: its children are another thread's now, or the process's reaper's
                }
            }
        }
        return out;
    }

    private boolean bornSinceOpen(long pid) {
        try {
            return ProcStat.startTime(proc, pid) >= openedTicks;
        } catch (IOException | RuntimeException e) {
            return false; // gone
        }
    }

    /** A freeze that failed: everything stopped runs on; what did not stop is let go when the tracer ends. */
    private void abandonFreeze() {
        for (TracedProcess p : tracees.values()) {
            for (int i = 0; i < 200 && !p.unstopped().isEmpty(); i++) {
                try {
                    if (p.pollStops()) {
                        break;
                    }
                } catch (CheckpointException | RuntimeException e) {
                    break;
                }
            }
        }
        try {
            resumeOnTracer();
        } catch (CheckpointException | RuntimeException e) {
            LOG.warn("job {}: after a failed freeze: {}", job.jobId(), e.getMessage());
        }
    }

    /** @return true for a process that has ended and waits to be reaped by a parent */
    private boolean zombie(long pid) {
        try {
            return ProcStat.read(proc, pid).state() == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // gone: the seize says so with its errno
        }
    }

    /** @return how long the last freeze took, in microseconds (the benchmark reads it) */
    long lastFreezeMicros() {
        return lastFreezeMicros;
    }

    @Override
    public DumpResult dump(Path staging) throws CheckpointException {
        return tracer.call(() -> {
            requireAll(State.FROZEN, "dump");
            requireNoneEnded(null);
            try {
                return dumpOnTracer(staging);
            } catch (CheckpointException | RuntimeException e) {
                requireNoneEnded(e); // a process that ended is the cause to report, not the ptrace error it caused
                throw e;
            }
        });
    }

    private DumpResult dumpOnTracer(Path staging) throws CheckpointException {
        ProcessDump dumper = new ProcessDump(proc);
        ProcessDump.Layout layout = dumper.layoutOf(List.copyOf(tracees.keySet()));
        ProcessDump.JobFiles jobFiles = dumper.dumpJobFilesSeized(layout.saved(), staging);
        List<ZombieImage> zombies = dumper.zombiesOf(layout);
        List<String> files = new ArrayList<>(jobFiles.files());
        List<WrittenFileImage> written = WrittenFiles.dump(proc, jobFiles.fds(), staging, job.saveFiles());
        written.stream().filter(w -> w.copy() != null).forEach(w -> files.add(w.copy()));
        List<String> processFiles = new ArrayList<>();
        java.util.Map<String, String> digests = new java.util.HashMap<>();
        List<ProcessRecord> records = new ArrayList<>();
        long bytes = jobFiles.bytes();
        for (long pid : layout.saved()) {
            ProcessDump.Written w = dumper.dumpSeized(tracees.get(pid), jobFiles.fds().get(pid), layout.nsPids().get(pid), staging);
            files.addAll(w.files());
            digests.putAll(w.digests());
            processFiles.add(w.files().get(0));
            records.add(ManifestRecords.of(w.image(), jobFiles.pipes(), jobFiles.ghosts()));
            bytes += w.bytes();
        }
        try {
            bytes += ImageFiles.writeJson(staging.resolve(ImageFiles.INDEX),
                    new ImageIndex(ImageFiles.INDEX_MAGIC, ImageFiles.VERSION, processFiles, jobFiles.pipes(), layout.pidNamespace(),
                            jobFiles.ghosts(), zombies, dumper.ipc(), written));
            files.add(ImageFiles.INDEX);
            long t0 = System.nanoTime();
            ImageFiles.syncAll(staging); // every file and name durable before the platform commits
            LOG.info("job {}: {} bytes of images made durable in {} ms", job.jobId(), bytes, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException ex) {
            throw new CheckpointException("cannot write the images in " + staging + ": " + ex.getMessage(), -1, null, staging, ex);
        }
        // one that ended after its own dump would still make the checkpoint a state the job never had as a whole
        requireNoneEnded(null);
        List<String> warnings = new ArrayList<>(dumper.warnings());
        if (!layout.pidNamespace()) {
            warnings.add("the job was not launched in a PID namespace of its own: restored processes may get new PIDs");
        }
        return new DumpResult(bytes, files, List.copyOf(tracees.keySet()), warnings, records, digests);
    }

    /**
     * Fails the checkpoint when a frozen process has ended (only SIGKILL ends a stopped tracee). It is marked dead so
     * that resume lets the others go; one that is not this JVM's child is reaped here, which hands it back to its
     * own parent (a tracer's wait releases a tracee it did not fork); this JVM's children are left to their reaper.
     *
     * @param cause the failure that led here, if any
     */
    private void requireNoneEnded(Throwable cause) throws CheckpointException {
        List<String> ended = new ArrayList<>();
        long first = -1;
        for (Map.Entry<Long, TracedProcess> e : tracees.entrySet()) {
            long pid = e.getKey();
            String end = states.get(pid) == State.FROZEN ? e.getValue().leader().peekEnd() : null;
            // a ptrace call that failed with ESRCH may have raced the SIGKILL's exit: give it a moment to show
            for (int i = 0; end == null && states.get(pid) == State.FROZEN && cause instanceof CheckpointException ce
                    && "ESRCH".equals(ce.errno()) && i < 100; i++) {
                sleepQuietly();
                end = e.getValue().leader().peekEnd();
            }
            if (end == null) {
                continue;
            }
            states.put(pid, State.DEAD);
            if (ppidOf(pid) != ProcessHandle.current().pid()) {
                LibC.INSTANCE.waitpid((int) pid, new int[1], LibC.WNOHANG | LibC.WALL);
            }
            // "ended": a wait during the dump took its status already, and the failure it caused says how it ended
            ended.add("process " + pid + " " + end + (end.equals("ended") && cause != null ? " (" + cause.getMessage() + ")" : ""));
            first = first < 0 ? pid : first;
        }
        if (!ended.isEmpty()) {
            throw new CheckpointException("job " + job.jobId() + ": " + String.join(", ", ended) + " during the checkpoint; "
                    + "the checkpoint is abandoned and the other processes resume", first, "ESRCH", null, cause);
        }
    }

    /** @return the parent of a (possibly zombie) process, -1 when /proc no longer has it */
    private long ppidOf(long pid) {
        try {
            return io.quiesce.backend.userspace.proc.ProcStat.read(proc, pid).ppid();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void resume() throws CheckpointException {
        tracer.call(() -> {
            resumeOnTracer();
            return null;
        });
    }

    private void resumeOnTracer() throws CheckpointException {
        CheckpointException first = null;
        for (Map.Entry<Long, TracedProcess> e : tracees.entrySet()) {
            if (states.get(e.getKey()) != State.FROZEN) {
                continue;
            }
            try {
                e.getValue().detachAll();
                states.put(e.getKey(), State.RUNNING);
            } catch (CheckpointException ex) {
                String end = e.getValue().leader().peekEnd();
                if (end != null) {
                    LOG.warn("job {}: process {} {} while frozen; the others resume", job.jobId(), e.getKey(), end);
                    states.put(e.getKey(), State.DEAD);
                    continue;
                }
                LOG.error("job {}: process {} could not be resumed: {}", job.jobId(), e.getKey(), ex.getMessage());
                if (first == null) {
                    first = ex;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Kills every process and reaps it here, on the tracer thread: the exit of a traced child is reported to the
     * tracer, and since the tracer is in the JVM (the parent), this wait also reaps it. The platform's reaper then
     * finds the root gone (ECHILD); {@link #exitStatus()} tells what it was.
     */
    @Override
    public void kill() throws CheckpointException {
        tracer.call(() -> {
            for (long pid : tracees.keySet()) {
                if (states.get(pid) != State.DEAD) {
                    LibC.INSTANCE.kill((int) pid, LibC.SIGKILL);
                }
            }
            // reap children before parents: a namespace's PID 1 ends only once every traced process of its
            // namespace has been reaped by us (zap_pid_ns_processes), and the outer init only after PID 1
            List<Long> reverse = new ArrayList<>(tracees.keySet());
            java.util.Collections.reverse(reverse);
            for (long pid : reverse) {
                if (states.get(pid) == State.DEAD) {
                    continue;
                }
                tracees.get(pid).reapOthers();
                int[] st = new int[1];
                while (true) {
                    int rc = LibC.INSTANCE.waitpid((int) pid, st, LibC.WALL);
                    if (rc != pid || WaitStatus.ended(st[0])) {
                        break; // ECHILD: already reaped, or not ours and no longer traced
                    }
                }
                exitStatus.put(pid, st[0]);
                states.put(pid, State.DEAD);
            }
            return null;
        });
    }

    /** @return the wait status of every process {@link #kill()} reaped */
    Map<Long, Integer> exitStatus() {
        return Map.copyOf(exitStatus);
    }

    private void requireAll(State s, String op) throws CheckpointException {
        if (tracees.isEmpty() || states.values().stream().anyMatch(x -> x != s)) {
            throw new CheckpointException(op + " of job " + job.jobId() + " needs every process " + s.name().toLowerCase()
                    + " (states: " + states + ")");
        }
    }

    @Override
    public void close() {
        try {
            resume();
        } catch (CheckpointException | RuntimeException e) {
            LOG.error("job {}: close could not resume every process: {}", job.jobId(), e.getMessage());
        } finally {
            tracer.close();
        }
    }
}
