package io.quiesce.backend.userspace.seize;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.proc.ProcStatus;
import io.quiesce.backend.userspace.proc.ProcTasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One traced process: its leader's and its other threads' tracees (CRIU's {@code pstree_item.threads[]}).
 *
 * <p>Freezing a process races with its threads: one may be created between the listing of /proc/PID/task and
 * the seize of its creator, or end meanwhile. So every thread is seized with PTRACE_O_TRACECLONE (a thread its
 * clone creates after that is auto-attached and reported by an EVENT_CLONE stop of its creator), and the task
 * list is read again until it names no thread not yet seized (as CRIU's {@code collect_threads()}); a thread that
 * ends before it stops is dropped. Group stops are kept apart from our interrupt: a thread that was stopped by
 * SIGSTOP or SIGTSTP reports its EVENT_STOP with that signal ({@link #groupStopSignal}).
 */
public final class TracedProcess {
    /** Options every frozen thread is seized with. */
    public static final long FREEZE_OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACECLONE;
    private static final int MAX_LISTINGS = 100;
    /** How long a thread that refuses the seize (exiting) is given to be gone. */
    private static final long EXITING_WAIT_MS = 2000; // the freeze's own settle limit: an exiting thread on a loaded machine can take longer than 200 ms to go

    private final Path proc;
    private final int pid;
    private final Map<Integer, Tracee> threads = new LinkedHashMap<>();
    private final Set<Integer> unstopped = new LinkedHashSet<>();
    private int groupStopSignal;
    private String ended;

    private TracedProcess(Path proc, int pid) {
        this.proc = proc;
        this.pid = pid;
    }

    /**
     * A process whose threads are known and already stopped (a restore builds them one by one).
     *
     * @param leader  the leader's tracee
     * @param others  the other threads' tracees
     */
    public static TracedProcess of(Path proc, Tracee leader, List<Tracee> others) {
        TracedProcess p = new TracedProcess(proc, leader.tid());
        p.threads.put(leader.tid(), leader);
        others.forEach(t -> p.threads.put(t.tid(), t));
        return p;
    }

    /**
     * Seizes and interrupts the leader and every thread /proc lists, until a listing names no new thread. Call
     * {@link #pollStops} until it returns true next.
     *
     * @return the process, or null when it is gone before its leader could be seized
     * @throws CheckpointException when a listing keeps finding new threads, or a seize fails for another reason
     */
    public static TracedProcess seize(Path proc, int pid) throws CheckpointException {
        TracedProcess p = new TracedProcess(proc, pid);
        Tracee leader = new Tracee(pid);
        // a shell loop's short-lived child may be exiting as we come (EPERM until it is a zombie): as for threads
        if (!p.seizeThread(leader, true)) {
            return null; // ended (or a zombie) before we came
        }
        p.threads.put(pid, leader);
        p.unstopped.add(pid);
        p.seizeListed();
        return p;
    }

    /** Seizes the threads /proc lists and we do not hold yet; repeats until a listing brings none. */
    private void seizeListed() throws CheckpointException {
        for (int round = 0; round < MAX_LISTINGS; round++) {
            List<Long> tids;
            try {
                tids = ProcTasks.tids(proc, pid);
            } catch (IOException | RuntimeException e) {
                return; // the process ended: its leader's wait reports it
            }
            boolean added = false;
            for (long t : tids) {
                int tid = (int) t;
                if (threads.containsKey(tid)) {
                    continue;
                }
                Tracee x = new Tracee(tid);
                if (!seizeThread(x, false)) {
                    continue; // it ended between the listing and the seize
                }
                threads.put(tid, x);
                unstopped.add(tid);
                added = true;
            }
            if (!added) {
                return;
            }
        }
        throw new CheckpointException("process " + pid + ": its threads did not settle after " + MAX_LISTINGS
                + " listings of /proc/" + pid + "/task (threads are created faster than they can be seized)", pid, null, null, null);
    }

    /**
     * Seizes and interrupts a listed thread. EPERM has two harmless causes: the thread was made by one we hold and
     * is auto-attached already (TRACECLONE; its creator's EVENT_CLONE is not taken yet), or it is exiting (the
     * kernel refuses to attach to an exiting task, whose /proc entry stays until it is reaped): then it is tried
     * again until it is gone, or taken as ended once /proc calls it a zombie or dead. A process's leader is never
     * auto-attached (forks are not traced), so for it a tracing stop under another tracer is the EPERM it is.
     *
     * @param leader true for the leader of a process not held yet
     * @return false when the thread has ended
     */
    private boolean seizeThread(Tracee x, boolean leader) throws CheckpointException {
        int tid = x.tid();
        long deadline = System.nanoTime() + EXITING_WAIT_MS * 1_000_000;
        while (true) {
            try {
                x.seize(FREEZE_OPTIONS);
                x.interrupt();
                return true;
            } catch (CheckpointException e) {
                if ("ESRCH".equals(e.errno()) || !alive(tid)) {
                    return false;
                }
                if (!"EPERM".equals(e.errno())) {
                    throw e;
                }
                if (tracedByUs(tid) || !leader && tracingStop(tid)) {
                    // its first stop comes like the others'. A thread auto-attached by its creator's clone is in a
                    // tracing stop at once; it has been seen there with a TracerPid that did not read as ours (a
                    // qtest run under load), so that state counts too: if it is not ours after all, waiting for its
                    // stop fails (ECHILD) and the freeze fails naming it, nothing hangs
                    return true;
                }
                if (ended(tid)) {
                    return false; // a zombie or dead thread: nothing of it is left to save, and the kernel reaps it
                }
                if (System.nanoTime() > deadline) {
                    throw new CheckpointException(e.getMessage() + " (thread " + tid + " of process " + pid + ": " + describe(tid) + ")",
                            tid, e.errno(), null, e);
                }
                Thread.onSpinWait();
            }
        }
    }

    /**
     * @return true when the thread's tracer is this JVM (/proc/PID/task/TID/status TracerPid). TracerPid is given in
     *         the PID namespace of that /proc, which need not be this JVM's own (a platform run in a PID namespace
     *         of its own with the host's /proc): this JVM's PID there is what {@code /proc/self} names.
     */
    private boolean tracedByUs(int tid) {
        try {
            String tracer = ProcTasks.status(proc, pid, tid).get("TracerPid");
            return tracer != null && Long.parseLong(tracer.trim()) == Long.parseLong(Files.readSymbolicLink(proc.resolve("self")).toString());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return true when /proc shows the thread in a tracing stop (State t) */
    private boolean tracingStop(int tid) {
        try {
            String state = ProcTasks.status(proc, pid, tid).get("State");
            return state != null && state.trim().startsWith("t");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return true when the thread has exited: its state (/proc/PID/task/TID/status) is Z (zombie) or X (dead) */
    private boolean ended(int tid) {
        try {
            String state = ProcTasks.status(proc, pid, tid).get("State");
            return state != null && (state.trim().startsWith("Z") || state.trim().startsWith("X"));
        } catch (IOException | RuntimeException e) {
            return !alive(tid);
        }
    }

    /** @return the thread's state, tracer and flags from /proc, for an error that says why it cannot be seized */
    private String describe(int tid) {
        try {
            ProcStatus st = ProcTasks.status(proc, pid, tid);
            return "State " + st.get("State") + ", TracerPid " + st.get("TracerPid");
        } catch (IOException | RuntimeException e) {
            return "gone";
        }
    }

    private boolean alive(int tid) {
        return proc.resolve(pid + "/task/" + tid).toFile().exists();
    }

    /**
     * Takes the stops that have come, without waiting: a thread's interrupt stop (or group stop), a thread created
     * meanwhile (auto-attached), a signal (passed on, and the interrupt asked again), a thread's end (dropped).
     * Once every thread is stopped, /proc is listed again and any thread not yet held is seized.
     *
     * @return true when every thread of the process is stopped, or the process has ended ({@link #ended})
     */
    public boolean pollStops() throws CheckpointException {
        for (int tid : new ArrayList<>(unstopped)) {
            Tracee t = threads.get(tid);
            int s;
            try {
                s = t.pollStatus();
            } catch (CheckpointException e) {
                if (!"ECHILD".equals(e.errno())) {
                    throw e;
                }
                s = -1; // no longer ours to wait for: it ended and its end was taken (a seize that raced its exit)
            }
            if (s == 0) {
                continue;
            }
            if (s == -1 || WaitStatus.ended(s)) {
                unstopped.remove(tid);
                threads.remove(tid);
                if (tid == pid) {
                    ended = s == -1 ? "ended" : WaitStatus.describe(s);
                    return true;
                }
                continue;
            }
            int event = WaitStatus.event(s);
            int sig = WaitStatus.stopSignal(s);
            if (event == Ptrace.EVENT_STOP) {
                unstopped.remove(tid);
                if (sig != LibC.SIGTRAP) {
                    groupStopSignal = sig; // stopped by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU, not by us
                }
            } else if (event == Ptrace.EVENT_CLONE) {
                int child = (int) t.getEventMsgSeized();
                if (!threads.containsKey(child)) {
                    threads.put(child, new Tracee(child)); // auto-attached: its first stop is an EVENT_STOP
                    unstopped.add(child);
                }
                t.interrupt();
                t.cont(0);
            } else {
                // a signal-delivery stop (delivered as it would have been) or another trap: the interrupt again
                t.interrupt();
                t.cont(event == 0 && sig != (LibC.SIGTRAP | 0x80) ? sig : 0);
            }
        }
        if (!unstopped.isEmpty()) {
            return false;
        }
        int before = threads.size();
        seizeListed();
        return threads.size() == before;
    }

    /** @return the PID */
    public int pid() {
        return pid;
    }

    /** @return the leader's tracee */
    public Tracee leader() {
        return threads.get(pid);
    }

    /** @return every thread, the leader first */
    public List<Tracee> threads() {
        return List.copyOf(threads.values());
    }

    /** @return the threads other than the leader */
    public List<Tracee> others() {
        return threads.values().stream().filter(t -> t.tid() != pid).toList();
    }

    /** @return TIDs that have not reported their stop yet */
    public Set<Integer> unstopped() {
        return Set.copyOf(unstopped);
    }

    /** @return the signal that group-stopped the process before the freeze, 0 when it was running */
    public int groupStopSignal() {
        return groupStopSignal;
    }

    /** @return how the process ended while being frozen, or null */
    public String ended() {
        return ended;
    }

    /**
     * Detaches every thread (best effort for each), so that none stays stopped because another failed.
     *
     * @throws CheckpointException the first failure, after every thread was tried
     */
    public void detachAll() throws CheckpointException {
        CheckpointException first = null;
        for (Tracee t : threads.values()) {
            try {
                t.detachSeized();
            } catch (CheckpointException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Takes the end of every thread but the leader after a SIGKILL (a traced thread stays until its tracer waits). */
    public void reapOthers() {
        for (Tracee t : others()) {
            int[] st = new int[1];
            while (LibC.INSTANCE.waitpid(t.tid(), st, LibC.WALL) == t.tid() && !WaitStatus.ended(st[0])) {
                // a stop reported before the kill took effect
            }
        }
    }
}
