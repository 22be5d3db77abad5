package io.quiesce.backend.userspace.seize;

import io.quiesce.api.CheckpointException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one thread that performs every ptrace and waitpid call of a session. The kernel ties a ptrace
 * attachment to the attaching <em>thread</em>: GETREGS from another JVM thread fails with ESRCH, while waitpid
 * from any thread of the JVM takes the stops (facts, pitfall 3). When this thread ends, the kernel detaches every
 * tracee it still holds, so it lives as long as its session.
 */
public final class Tracer implements AutoCloseable {
    /** Work to run on the tracer thread. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws CheckpointException;
    }

    private final ExecutorService executor;
    private volatile Thread thread;

    /** @param name the thread's name, shown in thread dumps */
    public Tracer(String name) {
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /**
     * Runs work on the tracer thread and waits for it.
     *
     * @throws CheckpointException what the work threw, or a wrapper of an unexpected failure
     */
    public <T> T call(Work<T> work) throws CheckpointException {
        if (Thread.currentThread() == thread) {
            return work.run();
        }
        Future<T> f = executor.submit(work::run);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while waiting for the tracer thread", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof CheckpointException ce) {
                throw ce;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new CheckpointException("tracer thread failed: " + c, c);
        }
    }

    /** @return true when the caller is the tracer thread */
    public boolean onTracerThread() {
        return Thread.currentThread() == thread;
    }

    /** Ends the thread once queued work is done; tracees still attached are detached by the kernel. */
    @Override
    public void close() {
        executor.shutdown();
    }
}
