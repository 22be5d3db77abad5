package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A named barrier: one phase runs on every host at once, and the protocol goes on only when every host finished it
 * within the phase's deadline. A host that fails or misses the deadline fails the phase, naming the host; the
 * caller then aborts on every host. A phase already running on a host that missed its deadline is not cut short
 * (a frozen process must not be left half-handled): the abort waits for it.
 */
final class Barrier {
    private final ExecutorService pool;
    private final Duration deadline;

    /**
     * @param pool     runs the hosts' phases in parallel
     * @param deadline how long a phase may take on every host together
     */
    Barrier(ExecutorService pool, Duration deadline) {
        this.pool = pool;
        this.deadline = deadline;
    }

    /** A phase on one host. */
    interface Step<A, T> {
        T run(A agent) throws CheckpointException;
    }

    /**
     * Runs a phase on every host and waits for all.
     *
     * @param phase  the phase's name, for errors
     * @param hosts  the hosts' sessions
     * @param hostOf a host's name
     * @param step   the phase
     * @return each host's result, in the order of {@code hosts}
     * @throws CheckpointException when the phase failed or timed out on a host; names it (with one host, its
     *                             error as it is)
     */
    <A, T> List<T> all(String phase, List<A> hosts, Function<A, String> hostOf, Step<A, T> step) throws CheckpointException {
        if (hosts.size() == 1) {
            // one host (the single-host default): the phase runs here, no thread hop on the critical path
            return java.util.Collections.singletonList(step.run(hosts.get(0)));
        }
        List<Future<T>> futures = new ArrayList<>();
        for (A a : hosts) {
            futures.add(pool.submit(() -> step.run(a)));
        }
        long end = System.nanoTime() + deadline.toNanos();
        List<T> out = new ArrayList<>();
        CheckpointException first = null;
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            String host = hostOf.apply(hosts.get(i));
            try {
                out.add(futures.get(i).get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                failed.add(host + ": no answer within " + deadline.toSeconds() + " s");
                out.add(null);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                String why = c instanceof CheckpointException ? c.getMessage() : String.valueOf(c);
                failed.add(host + ": " + why);
                if (first == null && c instanceof CheckpointException ce) {
                    first = ce;
                }
                out.add(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CheckpointException("interrupted while waiting for phase '" + phase + "'", e);
            }
        }
        if (!failed.isEmpty()) {
            String text = "phase '" + phase + "' failed on host " + String.join("; on host ", failed);
            throw first == null ? new CheckpointException(text)
                    : new CheckpointException(text, first.pid(), first.errno(), first.path(), first);
        }
        return out;
    }
}
