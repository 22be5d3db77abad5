package io.quiesce.coordinator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The freeze deadline, enforced outside this JVM: a tiny process of ours ({@code quiesce-watchdog}, built from
 * src/main/c/quiesce-watchdog.c and shipped in the bundle) reads commands from a pipe. While a job is frozen the
 * platform sends a heartbeat every second; if none comes for {@code freezeDeadlineSeconds} (the platform was
 * stopped, or hangs entirely), the watchdog SIGKILLs the platform, the kernel detaches its tracees, and the job runs
 * on; the checkpoint is left as staging, which the next platform start deletes. The heartbeats come from a thread of
 * their own, so a long dump that makes progress never trips the deadline. Thread-safe.
 */
final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    static final String RESOURCE = "/watchdog/quiesce-watchdog";
    private static final long BEAT_MILLIS = 1000;

    private final IntSupplier deadlineSeconds;
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quiesce-watchdog-beat");
        t.setDaemon(true);
        return t;
    });
    private Path folder;
    private Process process;
    private OutputStream pipe;
    private int armed;
    private ScheduledFuture<?> beat;

    /** @param deadlineSeconds the configured deadline, read at each arming; 0 or less disables the watchdog */
    Watchdog(IntSupplier deadlineSeconds) {
        this.deadlineSeconds = deadlineSeconds;
        synchronized (this) {
            started(); // now, so that the first freeze does not wait for it
        }
    }

    /** A frozen job: closing it disarms the watchdog (when no other job is frozen). */
    interface Armed extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Called just before a job is frozen.
     *
     * @return what to close once the job runs again (resumed, killed or aborted)
     */
    synchronized Armed arm() {
        int seconds = deadlineSeconds.getAsInt();
        if (seconds <= 0 || !started()) {
            return () -> {
            };
        }
        if (armed++ == 0) {
            send("arm " + seconds);
            beat = beats.scheduleAtFixedRate(() -> send("beat"), BEAT_MILLIS, BEAT_MILLIS, TimeUnit.MILLISECONDS);
        }
        return new Armed() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (Watchdog.this) {
                    if (!closed && --armed == 0) {
                        beat.cancel(false);
                        send("disarm");
                    }
                    closed = true;
                }
            }
        };
    }

    private synchronized void send(String line) {
        try {
            pipe.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
        } catch (IOException e) {
            LOG.error("the watchdog (quiesce-watchdog) is gone ({}): a frozen job has no freeze deadline until it is restarted", e.getMessage());
            stopProcess();
        }
    }

    /** Starts the watchdog process when it is not running. */
    private boolean started() {
        if (process != null && process.isAlive()) {
            return true;
        }
        stopProcess();
        try {
            folder = Files.createTempDirectory("quiesce-watchdog-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path exe = folder.resolve("quiesce-watchdog");
            try (InputStream in = Watchdog.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IOException(RESOURCE + " is missing from the bundle (built without gcc?)");
                }
                Files.copy(in, exe, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("r-x------"));
            // its output goes where the JVM's own does (logs/platform.out): when it speaks, this JVM may be stopped
            process = new ProcessBuilder(exe.toString(), Long.toString(ProcessHandle.current().pid()))
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            pipe = process.getOutputStream();
            // it runs from its inode now: the copy goes at once, so a platform that is killed leaves nothing in /tmp
            removeCopy();
            LOG.info("watchdog started as PID {} (freeze deadline {} s)", process.pid(), deadlineSeconds.getAsInt());
            return true;
        } catch (IOException e) {
            LOG.error("cannot start the watchdog: {}; frozen jobs have no freeze deadline", e.getMessage());
            stopProcess();
            return false;
        }
    }

    private void stopProcess() {
        if (process != null) {
            try {
                pipe.close(); // end of file: the watchdog exits
            } catch (IOException e) {
                // already gone
            }
            process = null;
        }
        removeCopy();
    }

    private void removeCopy() {
        if (folder != null) {
            try {
                Files.deleteIfExists(folder.resolve("quiesce-watchdog"));
                Files.deleteIfExists(folder);
            } catch (IOException e) {
                LOG.debug("cannot remove {}: {}", folder, e.getMessage());
            }
            folder = null;
        }
    }

    @Override
    public synchronized void close() {
        beats.shutdownNow();
        stopProcess();
    }
}
