package io.quiesce.backend.blcr.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;

/**
 * The part of BLCR's {@code libcr.so.0} that a checkpoint <em>requester</em> needs (libcr.h, libcr 0.5). The JVM
 * never calls {@code cr_init}: requesting only opens the control file. Loading the library does run libcr's
 * constructor (cr_libinit.c), which installs BLCR's handler for its real-time signal in the JVM; that is why the
 * library is loaded only on a host where the BLCR module is present. The JVM is never part of a checkpoint (it is the
 * job root's parent, not a descendant), so the handler stays idle. Errors come back as -1 with errno, read with
 * {@link Native#getLastError()} right after the call.
 *
 * <p>Restart is not bound: {@code cr_request_restart} is marked experimental and forks the restarted processes from
 * the caller, so restarts go through the {@code cr_restart} program instead.
 */
public interface LibCr extends Library {
    /** libcr's soname. */
    String SONAME = "libcr.so.0";

    /** {@code CR_CHECKPOINT_ARGS_VERSION}: the only version of {@link CrCheckpointArgs} libcr accepts. */
    int CR_CHECKPOINT_ARGS_VERSION = 1;

    /** {@code cr_scope_t}: all threads of one process. */
    int CR_SCOPE_PROC = 0;
    /** {@code cr_scope_t}: every process of a process group. */
    int CR_SCOPE_PGRP = 1;
    /** {@code cr_scope_t}: every process of a session. */
    int CR_SCOPE_SESS = 2;
    /** {@code cr_scope_t}: a process and all its descendants. */
    int CR_SCOPE_TREE = 3;

    /** {@code CR_CHKPT_*} flag: fail with EDEADLK if the requester would be part of the checkpoint. */
    int CR_CHKPT_PROHIBIT_SELF = 0x1;
    /** {@code CR_CHKPT_*} flag: checkpoint ptraced processes like any other. */
    int CR_CHKPT_PTRACED_ALLOW = 0x2;
    /** {@code CR_CHKPT_*} flag: leave ptraced processes (and, for a tree, their children) out. */
    int CR_CHKPT_PTRACED_SKIP = 0x4;
    /** {@code CR_CHKPT_*} flag: leave processes that ptrace others out. */
    int CR_CHKPT_PTRACER_SKIP = 0x8;
    /** {@code CR_CHKPT_*} flag: report request-time errors at reap instead. */
    int CR_CHKPT_ASYNC_ERR = 0x10;
    /** {@code CR_CHKPT_*} flag: save the executable into the context. */
    int CR_CHKPT_DUMP_EXEC = 0x200;
    /** {@code CR_CHKPT_*} flag: save private file mappings into the context. */
    int CR_CHKPT_DUMP_PRIVATE = 0x400;
    /** {@code CR_CHKPT_*} flag: save shared file mappings into the context. */
    int CR_CHKPT_DUMP_SHARED = 0x800;
    /** {@code CR_CHKPT_DUMP_ALL}: every optional part, so the context restarts without the original files. */
    int CR_CHKPT_DUMP_ALL = 0xE00;

    /** {@code cr_poll_checkpoint_msg}: waiting failed (errno says why; EINTR means try again). */
    int CR_POLL_CHKPT_ERR_PRE = -1;
    /** {@code cr_poll_checkpoint_msg}: the checkpoint finished and failed (errno is the failure). */
    int CR_POLL_CHKPT_ERR_POST = -2;
    /** {@code cr_poll_checkpoint_msg}: the kernel's message log could not be fetched; the handle is not reaped. */
    int CR_POLL_CHKPT_ERR_LOG = -3;

    /** {@code CR_MIN_ERRCODE}: BLCR's error codes follow it in the order of blcr_errcodes.h. */
    int CR_MIN_ERRCODE = 2353;
    /** A callback in the job cancelled the checkpoint; the job goes on. */
    int CR_ETEMPFAIL = 2354;
    /** A callback in the job failed permanently; the checkpoint is cancelled and the job killed. */
    int CR_EPERMFAIL = 2355;
    /** A target process does not have libcr loaded (not started under cr_run, not linked with libcr). */
    int CR_ENOSUPPORT = 2356;
    /** libcr and the kernel module speak different interface versions. */
    int CR_EVERSION = 2357;
    /** Every process omitted itself at a callback's request. */
    int CR_EOMITTED = 2358;
    /** A context file of another architecture. */
    int CR_EBADARCH = 2359;
    /** A target process is being ptraced. */
    int CR_EPTRACED = 2360;
    /** A target process ptraces others. */
    int CR_EPTRACER = 2361;
    /** A restart was aborted and its processes killed. */
    int CR_ERSTRTABRT = 2362;
    /** The request is invalid across a restart (the requester was itself restarted). */
    int CR_ERESTARTED = 2363;
    /** The call is only valid inside a checkpoint callback. */
    int CR_ENOTCB = 2364;
    /** The calling thread has not called cr_init. */
    int CR_ENOINIT = 2365;

    /**
     * Loads libcr from a file.
     *
     * @param library the library file (the real {@code libcr.so.0}, or a test double with its ABI)
     * @return the binding
     * @throws UnsatisfiedLinkError when the file cannot be loaded
     */
    static LibCr load(Path library) {
        return Native.load(library.toAbsolutePath().toString(), LibCr.class);
    }

    /**
     * What the {@code cr_initialize_checkpoint_args_t} macro expands to: fills {@code args} with libcr's defaults.
     *
     * @param version {@link #CR_CHECKPOINT_ARGS_VERSION}
     * @param args    the structure to fill
     * @return 0, or -1 with errno EINVAL for an unknown version
     */
    int cri_init_checkpoint_args_t(int version, CrCheckpointArgs args);

    /**
     * Asks the kernel for a checkpoint. Returns once the request is queued; the checkpoint runs on.
     *
     * @param args   what to checkpoint and where
     * @param handle receives the request's handle (libcr: the control file's descriptor)
     * @return 0, or -1 with errno (ESRCH, EPERM, EBADF, EINVAL, ENOSYS when the control file cannot be opened, or a
     *         {@code CR_E*} code)
     */
    int cr_request_checkpoint(CrCheckpointArgs args, NativeLongByReference handle);

    /**
     * Waits for a requested checkpoint, fetches the kernel's messages and reaps it.
     *
     * @param handle  the request's handle; reaped (invalid afterwards) unless the result is 0, ERR_PRE or ERR_LOG
     * @param timeout how long to wait; null waits for ever
     * @param msg     receives a malloc'ed string of kernel messages, or is left null; the caller frees it
     * @return >0 done and succeeded, 0 not done yet, or one of the {@code CR_POLL_CHKPT_ERR_*} values with errno
     */
    int cr_poll_checkpoint_msg(NativeLongByReference handle, Timeval timeout, PointerByReference msg);

    /**
     * Collects a checkpoint's result and frees its handle (also used to abandon a request that takes too long).
     *
     * @param handle the request's handle
     * @return >0 success, or -1 with errno (EAGAIN while still running, otherwise the failure)
     */
    int cr_reap_checkpoint(NativeLongByReference handle);

    /**
     * @param errnum an errno value or a {@code CR_E*} code
     * @return BLCR's description of a {@code CR_E*} code, otherwise strerror's
     */
    String cr_strerror(int errnum);
}
