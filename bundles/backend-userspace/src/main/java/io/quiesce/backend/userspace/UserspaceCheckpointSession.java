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
import io.quiesce.backend.userspace.proc.ProcStat;
import io.quiesce.backend.userspace.proc.ProcStatus;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.Tracer;
import io.quiesce.backend.userspace.seize.WaitStatus;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final Map<Long, Tracee> tracees = new LinkedHashMap<>();
    private final Map<Long, State> states = new LinkedHashMap<>();
    private final Map<Long, Integer> exitStatus = new LinkedHashMap<>();

    UserspaceCheckpointSession(HostJob job, Path proc) {
        this.job = job;
        this.proc = proc;
        this.tracer = new Tracer("quiesce-tracer-" + job.jobId());
    }

    @Override
    public List<FrozenProcess> freeze() throws CheckpointException {
        return tracer.call(() -> {
            refuseMultiThreaded();
            List<FrozenProcess> frozen = new ArrayList<>();
            long t0 = System.nanoTime();
            // interrupt every process first and only then wait for the stops, so they stop together: the freeze
            // takes as long as the slowest process, not the sum of all
            for (long pid : job.pids()) {
                if (zombie(pid)) {
                    continue; // it cannot be traced; the dump finds it among its parent's children
                }
                Tracee t = new Tracee((int) pid);
                t.seizeAndInterrupt();
                tracees.put(pid, t);
                states.put(pid, State.FROZEN); // seized: a stop is pending and resume must detach it
            }
            CheckpointException ended = null;
            for (Map.Entry<Long, Tracee> entry : tracees.entrySet()) {
                long pid = entry.getKey();
                try {
                    entry.getValue().awaitInterruptStop();
                } catch (CheckpointException e) {
                    // It ended before it stopped; the wait that saw the end has reaped it if it was our child. The
                    // others are still waited for, so that the abort finds every one stopped and can detach it.
                    states.put(pid, State.DEAD);
                    if (ended == null) {
                        ended = new CheckpointException("process " + pid + " of job " + job.jobId() + " ended while being frozen: "
                                + e.getMessage(), pid, e.errno(), null, e);
                    }
                    continue;
                }
                frozen.add(new Frozen(pid, pid, new InjectionFacility(tracer, entry.getValue(), proc)));
            }
            if (ended != null) {
                throw ended;
            }
            // A thread created between the check and the seize would run on unfrozen: check again, now that nothing runs.
            try {
                refuseMultiThreaded();
            } catch (CheckpointException e) {
                resumeOnTracer();
                throw e;
            }
            LOG.info("job {}: {} processes frozen in {} us", job.jobId(), frozen.size(), (System.nanoTime() - t0) / 1000);
            return frozen;
        });
    }

    /** @return true for a process that has ended and waits to be reaped by a parent */
    private boolean zombie(long pid) {
        try {
            return ProcStat.read(proc, pid).state() == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // gone: the seize says so with its errno
        }
    }

    private void refuseMultiThreaded() throws CheckpointException {
        List<String> multi = new ArrayList<>();
        for (long pid : job.pids()) {
            int threads;
            try {
                threads = ProcStatus.read(proc, pid).threads();
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException("process " + pid + " of job " + job.jobId() + " is gone or unreadable: " + e.getMessage(),
                        pid, "ESRCH", null, e);
            }
            if (threads != 1 && !zombie(pid)) {
                multi.add("process " + pid + " has " + threads + " threads");
            }
        }
        if (!multi.isEmpty()) {
            throw new NotSupportedException("job " + job.jobId() + " cannot be checkpointed: multi-threaded processes are not "
                    + "supported yet (" + String.join(", ", multi) + ")");
        }
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
                            jobFiles.ghosts(), zombies, written));
            files.add(ImageFiles.INDEX);
            try (FileChannel dir = FileChannel.open(staging, StandardOpenOption.READ)) {
                dir.force(true); // the new names must be durable before the platform commits
            }
        } catch (IOException ex) {
            throw new CheckpointException("cannot write " + staging.resolve(ImageFiles.INDEX) + ": " + ex.getMessage(), -1,
                    null, staging, ex);
        }
        // one that ended after its own dump would still make the checkpoint a state the job never had as a whole
        requireNoneEnded(null);
        return new DumpResult(bytes, files, List.copyOf(tracees.keySet()), layout.pidNamespace() ? List.of()
                : List.of("the job was not launched in a PID namespace of its own: restored processes may get new PIDs"), records,
                digests);
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
        for (Map.Entry<Long, Tracee> e : tracees.entrySet()) {
            long pid = e.getKey();
            String end = states.get(pid) == State.FROZEN ? e.getValue().peekEnd() : null;
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
        for (Map.Entry<Long, Tracee> e : tracees.entrySet()) {
            if (states.get(e.getKey()) != State.FROZEN) {
                continue;
            }
            try {
                e.getValue().detachSeized();
                states.put(e.getKey(), State.RUNNING);
            } catch (CheckpointException ex) {
                String end = e.getValue().peekEnd();
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
