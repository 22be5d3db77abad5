package io.quiesce.backend.blcr;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.blcr.linux.LibCr;
import java.nio.file.Path;
import java.util.Map;

/**
 * Turns the errno of a failed libcr call (a Linux errno or one of BLCR's {@code CR_E*} codes) into a
 * {@link CheckpointException} whose message says what happened and what to do, with the code's name as errno.
 */
final class BlcrErrors {
    private static final Map<Integer, String> CR_NAMES = Map.ofEntries(Map.entry(LibCr.CR_ETEMPFAIL, "CR_ETEMPFAIL"),
            Map.entry(LibCr.CR_EPERMFAIL, "CR_EPERMFAIL"), Map.entry(LibCr.CR_ENOSUPPORT, "CR_ENOSUPPORT"),
            Map.entry(LibCr.CR_EVERSION, "CR_EVERSION"), Map.entry(LibCr.CR_EOMITTED, "CR_EOMITTED"),
            Map.entry(LibCr.CR_EBADARCH, "CR_EBADARCH"), Map.entry(LibCr.CR_EPTRACED, "CR_EPTRACED"),
            Map.entry(LibCr.CR_EPTRACER, "CR_EPTRACER"), Map.entry(LibCr.CR_ERSTRTABRT, "CR_ERSTRTABRT"),
            Map.entry(LibCr.CR_ERESTARTED, "CR_ERESTARTED"), Map.entry(LibCr.CR_ENOTCB, "CR_ENOTCB"),
            Map.entry(LibCr.CR_ENOINIT, "CR_ENOINIT"));

    private BlcrErrors() {
    }

    /**
     * @param code an errno value or a {@code CR_E*} code
     * @return {@code "CR_ENOSUPPORT"}, {@code "ESRCH"}, ...
     */
    static String name(int code) {
        String n = CR_NAMES.get(code);
        return n != null ? n : Errno.name(code);
    }

    /**
     * @param what     the operation, e.g. {@code "checkpoint of job 3 (PID 1234)"}
     * @param code     the errno value or {@code CR_E*} code
     * @param pid      the request's target
     * @param strerror libcr's {@code cr_strerror(code)}, or null when libcr could not be asked
     * @param kmsg     the kernel's messages about the request, or null
     * @param path     the context file concerned, or null
     * @return the exception to throw
     */
    static CheckpointException failure(String what, int code, long pid, String strerror, String kmsg, Path path) {
        String text = what + " failed: " + explain(code, pid) + " [" + name(code) + (strerror == null || strerror.isBlank() ? "" : ": " + strerror) + "]";
        if (kmsg != null && !kmsg.isBlank()) {
            text += "; kernel messages: " + kmsg.strip().replace('\n', ' ');
        }
        return new CheckpointException(text, pid, name(code), path, null);
    }

    /**
     * @param code an errno value or {@code CR_E*} code from a checkpoint request or its reaping
     * @param pid  the request's target
     * @return what it means for the user
     */
    static String explain(int code, long pid) {
        return switch (code) {
            case LibCr.CR_ENOSUPPORT -> "process " + pid + " or one of its descendants does not have libcr loaded. BLCR only "
                    + "checkpoints processes started under cr_run (LD_PRELOAD=libcr_run.so.0) or linked with libcr: launch the "
                    + "job again with the blcr backend selected so that Quiesce preloads libcr_run.so.0";
            case LibCr.CR_ETEMPFAIL -> "a checkpoint callback in the job cancelled the checkpoint (temporary failure); the job "
                    + "runs on, try again later";
            case LibCr.CR_EPERMFAIL -> "a checkpoint callback in the job failed permanently; BLCR cancelled the checkpoint and "
                    + "killed the job";
            case LibCr.CR_EVERSION -> "libcr and the BLCR kernel module are of different versions; install matching ones";
            case LibCr.CR_EOMITTED -> "every process of the job asked to be omitted from the checkpoint, so nothing was saved";
            case LibCr.CR_EPTRACED -> "a process of the job is being traced (a debugger, strace, or another checkpointer); "
                    + "detach it and try again";
            case LibCr.CR_EPTRACER -> "a process of the job is tracing other processes; BLCR cannot checkpoint a tracer";
            case LibCr.CR_ERESTARTED -> "the request is not valid across a restart";
            case LibCr.CR_ENOINIT, LibCr.CR_ENOTCB -> "libcr was used out of order (internal error)";
            case LibCr.CR_EBADARCH, LibCr.CR_ERSTRTABRT -> "BLCR reported a restart error to a checkpoint request";
            case 1 -> "not permitted to checkpoint process " + pid + ": BLCR requires the job's user or root";
            case 3 -> "process " + pid + " no longer exists";
            case 9 -> "the context file's descriptor was not writable (internal error)";
            case 22 -> "BLCR rejected the request's arguments (libcr and kernel module mismatch?)";
            case 38 -> "the BLCR kernel module is not loaded (/proc/checkpoint/ctrl cannot be opened); BLCR needs Linux <= 3.17 "
                    + "with its module loaded";
            case 28 -> "no space left for the context file";
            case 122 -> "disk quota exceeded while writing the context file";
            case 5 -> "an I/O error occurred while writing the context file";
            case 4 -> "interrupted";
            case 62, 110 -> "the job did not reach the checkpoint within BLCR's timeout";
            case 11 -> "the checkpoint had not finished";
            default -> "BLCR error " + code;
        };
    }
}
