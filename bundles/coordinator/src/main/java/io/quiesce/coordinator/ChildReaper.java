package io.quiesce.coordinator;

import io.quiesce.coordinator.linux.LibC;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps the job roots the platform spawned, so they do not linger as zombies, and reports their exit status.
 *
 * <p>It waits only on the PIDs registered here, never {@code waitpid(-1)}: a wait on a process that a backend
 * traces would take that backend's ptrace stops. For the same reason a job's processes are {@link #hold held}
 * while a backend works on the job.
 */
final class ChildReaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChildReaper.class);
    private static final int ECHILD = 10;
    private static final long POLL_MILLIS = 100;

    private final Map<Integer, IntConsumer> watched = new ConcurrentHashMap<>();
    private final Set<Integer> held = new java.util.HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Passes over the watched PIDs so far: a test waits for whole passes instead of for a time */
    private final java.util.concurrent.atomic.AtomicLong passes = new java.util.concurrent.atomic.AtomicLong();

    ChildReaper() {
        thread = new Thread(this::loop, "quiesce-reaper");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @param pid    a child of this JVM (or any process: non-children are simply not reaped)
     * @param onExit called once with the exit status (128+signal when killed) when the child is reaped
     */
    void watch(long pid, IntConsumer onExit) {
        watched.put((int) pid, onExit);
    }

    /** @param pid a process no longer to wait for */
    void forget(long pid) {
        watched.remove((int) pid);
    }

    /**
     * @param pid a process a backend is about to trace: not waited on until {@link #release}. Once this returns no
     *            wait of the reaper's is under way on it either: one that had checked before the hold and waited
     *            after the seize would take the tracer's stop (a CI run lost a freeze that way)
     */
    void hold(long pid) {
        synchronized (held) {
            held.add((int) pid);
        }
    }

    /** @param pid a process the backend no longer traces */
    void release(long pid) {
        synchronized (held) {
            held.remove((int) pid);
        }
    }

    /** @return waitpid's result for a child not held, else 0 as for a child that has not changed state */
    private int waitUnlessHeld(int pid, int[] status) {
        synchronized (held) {
            return held.contains(pid) ? 0 : LibC.INSTANCE.waitpid(pid, status, LibC.WNOHANG);
        }
    }

    private void loop() {
        int[] status = new int[1];
        while (running) {
            for (Map.Entry<Integer, IntConsumer> e : watched.entrySet()) {
                int pid = e.getKey();
                int rc = waitUnlessHeld(pid, status);
                if (rc == pid) {
                    int s = status[0];
                    int exit = (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
                    if ((s & 0xff) == 0x7f) {
                        continue; // a stop, not an exit
                    }
                    watched.remove(pid);
                    try {
                        e.getValue().accept(exit);
                    } catch (RuntimeException ex) {
                        LOG.warn("exit handler of PID {} failed: {}", pid, ex.toString());
                    }
                } else if (rc < 0 && com.sun.jna.Native.getLastError() == ECHILD) {
                    watched.remove(pid); // not our child (platform restarted, or restored elsewhere): liveness comes from /proc
                }
            }
            passes.incrementAndGet();
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException ie) {
                return;
            }
        }
    }

    /** @return how many passes over the watched PIDs have been completed */
    long passes() {
        return passes.get();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
