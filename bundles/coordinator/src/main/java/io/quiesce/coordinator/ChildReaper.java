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
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;

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

    /** @param pid a process a backend is about to trace: not waited on until {@link #release} */
    void hold(long pid) {
        held.add((int) pid);
    }

    /** @param pid a process the backend no longer traces */
    void release(long pid) {
        held.remove((int) pid);
    }

    private void loop() {
        int[] status = new int[1];
        while (running) {
            for (Map.Entry<Integer, IntConsumer> e : watched.entrySet()) {
                int pid = e.getKey();
                if (held.contains(pid)) {
                    continue;
                }
                int rc = LibC.INSTANCE.waitpid(pid, status, LibC.WNOHANG);
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
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException ie) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
