package io.quiesce.backend.blcr;

import io.quiesce.api.image.SecureFiles;
import io.quiesce.process.ProcFs;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.Errno;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.backend.blcr.linux.CrCheckpointArgs;
import io.quiesce.backend.blcr.linux.LibC;
import io.quiesce.backend.blcr.linux.LibCr;
import io.quiesce.backend.blcr.linux.Timeval;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One BLCR checkpoint of a job on this host.
 *
 * <p><b>One request, scope tree.</b> {@link #dump} issues a single {@code cr_request_checkpoint} with
 * {@code CR_SCOPE_TREE} on the job's root: BLCR then saves the root and all its descendants into one context file,
 * with their parent/child relations and the pipes between them, which separate per-process requests would lose.
 * The platform's PID list comes from the same tree, so it adds nothing BLCR does not already take.
 *
 * <p><b>No freeze before the request.</b> BLCR stops the processes itself, inside the kernel, for the duration of
 * the request; it needs them running to deliver its checkpoint signal to libcr in each of them, so a process stopped
 * beforehand (SIGSTOP) would only make the request wait for its timeout. {@link #freeze()} is therefore a marker
 * that checks the root still exists, and fabrics get no facility to drain through.
 *
 * <p><b>Held after the checkpoint.</b> The request asks BLCR to send SIGSTOP to every checkpointed process as soon as
 * the context is written ({@code cr_signal}, like {@code cr_checkpoint --stop}). The job thus stays exactly as saved
 * while the platform commits the folder; then {@link #resume()} sends SIGCONT or {@link #kill()} SIGKILL. Sending
 * SIGKILL through {@code cr_signal} ({@code --kill}) would be wrong here: the job would die before the platform has
 * committed the checkpoint, and a failed commit would lose both.
 */
final class BlcrCheckpoint implements CheckpointSession {
    private static final Logger LOG = LoggerFactory.getLogger(BlcrCheckpoint.class);
    private static final int EINTR = 4;

    private final LibCr cr;
    private final HostJob job;
    private final ProcFs proc;
    private final int timeoutSeconds;
    private final long graceMillis;
    private final int flags;
    private final String kernel;
    /** True once a request was accepted: BLCR may have stopped the job, so it must be continued. */
    private boolean mayBeStopped;
    private boolean killed;

    /**
     * @param cr             the libcr binding
     * @param job            the job
     * @param proc           the process table
     * @param timeoutSeconds BLCR's {@code cr_timeout}: seconds the job has to reach the checkpoint; 0 = unbounded
     * @param graceMillis    how much longer than the timeout to wait for the kernel's answer before giving up
     * @param flags          {@code CR_CHKPT_*} flags of the request
     * @param kernel         the kernel release, recorded in the image
     */
    BlcrCheckpoint(LibCr cr, HostJob job, ProcFs proc, int timeoutSeconds, long graceMillis, int flags, String kernel) {
        this.cr = cr;
        this.job = job;
        this.proc = proc;
        this.timeoutSeconds = timeoutSeconds;
        this.graceMillis = graceMillis;
        this.flags = flags;
        this.kernel = kernel;
    }

    @Override
    public List<FrozenProcess> freeze() throws CheckpointException {
        if (proc.stat(job.rootPid()).filter(s -> !s.dead()).isEmpty()) {
            throw new CheckpointException("job " + job.jobId() + ": process " + job.rootPid() + " no longer exists", job.rootPid(),
                    "ESRCH", null, null);
        }
        return job.pids().stream().<FrozenProcess>map(BlcrProcess::new).toList();
    }

    @Override
    public DumpResult dump(Path stagingFolder) throws CheckpointException {
        long root = job.rootPid();
        String what = "BLCR checkpoint of job " + job.jobId() + " (PID " + root + ")";
        String contextName = "context." + root;
        ContextFile context = ContextFile.create(stagingFolder.resolve(contextName));
        Path meta = stagingFolder.resolve(BlcrImage.FILE);
        try {
            CrCheckpointArgs args = new CrCheckpointArgs();
            if (cr.cri_init_checkpoint_args_t(LibCr.CR_CHECKPOINT_ARGS_VERSION, args) != 0) {
                int e = Native.getLastError();
                throw BlcrErrors.failure(what + ": cri_init_checkpoint_args_t", e, root, strerror(e), null, null);
            }
            args.cr_scope = LibCr.CR_SCOPE_TREE;
            args.cr_target = (int) root;
            args.cr_fd = context.fd();
            args.cr_signal = LibC.SIGSTOP;
            args.cr_timeout = timeoutSeconds;
            args.cr_flags = flags;
            NativeLongByReference handle = new NativeLongByReference(new NativeLong(-1));
            if (cr.cr_request_checkpoint(args, handle) < 0) {
                int e = Native.getLastError();
                throw BlcrErrors.failure(what, e, root, strerror(e), null, context.file());
            }
            mayBeStopped = true;
            String kmsg = await(what, handle, root, context.file());
            long bytes = context.commit();
            BlcrImage image = new BlcrImage(contextName, root, job.pids(), "tree", flags, kernel);
            byte[] encoded = image.encode();
            SecureFiles.write(meta, encoded);
            List<String> warnings = new ArrayList<>();
            if (kmsg != null && !kmsg.isBlank()) {
                warnings.add("BLCR kernel messages: " + kmsg.strip().replace('\n', ' '));
            }
            LOG.info("{}: {} bytes in {}", what, bytes, context.file());
            return new DumpResult(bytes + encoded.length, List.of(contextName, BlcrImage.FILE), job.pids(), warnings);
        } catch (IOException e) {
            context.discard();
            deleteQuietly(meta);
            throw new CheckpointException(what + ": cannot write " + meta + ": " + e.getMessage(), root, null, meta, e);
        } catch (CheckpointException | RuntimeException e) {
            context.discard();
            deleteQuietly(meta);
            throw e;
        }
    }

    /**
     * Waits for the request with {@code cr_poll_checkpoint_msg} until BLCR answers or the timeout plus grace passes.
     *
     * @return the kernel's messages, or null
     */
    private String await(String what, NativeLongByReference handle, long root, Path file) throws CheckpointException {
        long deadline = System.nanoTime() + (timeoutSeconds * 1000L + graceMillis) * 1_000_000L;
        while (true) {
            Timeval tv = null;
            if (timeoutSeconds > 0) {
                tv = new Timeval(Math.max(0, (deadline - System.nanoTime()) / 1000));
            }
            PointerByReference msg = new PointerByReference();
            int rc = cr.cr_poll_checkpoint_msg(handle, tv, msg);
            int e = Native.getLastError();
            String kmsg = take(msg);
            if (rc > 0) {
                return kmsg;
            }
            if (rc == 0) {
                if (System.nanoTime() - deadline >= 0) {
                    // no cancel in libcr: reaping an unfinished request closes its handle and abandons it
                    cr.cr_reap_checkpoint(handle);
                    throw new CheckpointException(what + " failed: BLCR did not finish within " + timeoutSeconds + " s (cr_timeout) plus "
                            + graceMillis + " ms; the request was abandoned and the job resumed", root, "ETIMEDOUT", file, null);
                }
                continue;
            }
            if (rc == LibCr.CR_POLL_CHKPT_ERR_PRE) {
                if (e == EINTR) {
                    continue;
                }
                cr.cr_reap_checkpoint(handle);
                throw BlcrErrors.failure(what + " (waiting for the kernel)", e, root, strerror(e), kmsg, file);
            }
            if (rc == LibCr.CR_POLL_CHKPT_ERR_LOG) {
                // the log could not be fetched, and libcr left the request unreaped: reap it for the real result
                int r = cr.cr_reap_checkpoint(handle);
                int re = Native.getLastError();
                if (r > 0) {
                    LOG.warn("{}: kernel messages could not be fetched ({})", what, Errno.name(e));
                    return null;
                }
                throw BlcrErrors.failure(what, re, root, strerror(re), null, file);
            }
            throw BlcrErrors.failure(what, e, root, strerror(e), kmsg, file);
        }
    }

    private String strerror(int code) {
        try {
            return cr.cr_strerror(code);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String take(PointerByReference msg) {
        Pointer p = msg.getValue();
        if (p == null) {
            return null;
        }
        try {
            return p.getString(0);
        } finally {
            LibC.INSTANCE.free(p);
        }
    }

    /** @return the job's processes now: the platform's list plus anything the tree gained since */
    private List<Long> processes() {
        Set<Long> all = new LinkedHashSet<>(job.pids());
        all.add(job.rootPid());
        all.addAll(proc.descendants(job.rootPid()));
        return new ArrayList<>(all);
    }

    @Override
    public void resume() throws CheckpointException {
        if (killed || !mayBeStopped) {
            return;
        }
        signalAll(LibC.SIGCONT, "resume");
        mayBeStopped = false;
    }

    @Override
    public void kill() throws CheckpointException {
        signalAll(LibC.SIGKILL, "kill");
        killed = true;
    }

    private void signalAll(int signal, String verb) throws CheckpointException {
        List<String> failed = new ArrayList<>();
        long firstPid = -1;
        String firstErrno = null;
        for (long pid : processes()) {
            if (LibC.INSTANCE.kill((int) pid, signal) != 0) {
                int e = Native.getLastError();
                if (e == 3) {
                    continue; // exited meanwhile: nothing to resume or kill
                }
                failed.add(pid + " (" + Errno.name(e) + ")");
                if (firstPid < 0) {
                    firstPid = pid;
                    firstErrno = Errno.name(e);
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new CheckpointException("job " + job.jobId() + ": cannot " + verb + " processes " + String.join(", ", failed),
                    firstPid, firstErrno, null, null);
        }
    }

    @Override
    public void close() {
        if (!killed && mayBeStopped) {
            try {
                resume();
            } catch (CheckpointException e) {
                LOG.error("{}", e.getMessage());
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
            Files.deleteIfExists(SecureFiles.temporary(p));
        } catch (IOException e) {
            // the platform deletes the staging folder on abort
        }
    }
}
