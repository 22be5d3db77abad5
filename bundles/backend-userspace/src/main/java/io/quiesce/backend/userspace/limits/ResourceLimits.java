package io.quiesce.backend.userspace.limits;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.image.RlimitImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A process's resource limits (setrlimit(2)). Read at dump with prlimit64 from the tracer, which the kernel
 * allows for a process of the same user; set at restore by prlimit64 injected into the rebuilt process, which
 * otherwise keeps the limits it inherited from the JVM (the JVM raises its own RLIMIT_NOFILE, for one).
 * Raising a hard limit needs CAP_SYS_RESOURCE in the initial user namespace: unprivileged, that limit stays at
 * what the process has, and the restore says so in a warning instead of failing.
 */
public final class ResourceLimits {
    /** The RLIMIT_* names, indexed by resource number (RLIM_NLIMITS = 16). */
    private static final String[] NAMES = { "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
            "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
            "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME" };
    private static final long EPERM = 1;

    private ResourceLimits() {
    }

    /** @return every limit of {@code pid} */
    public static List<RlimitImage> dump(long pid) throws CheckpointException {
        List<RlimitImage> out = new ArrayList<>();
        Memory old = LibC.buffer(16);
        for (int r = 0; r < NAMES.length; r++) {
            long rc = LibC.INSTANCE.syscall(Syscalls.PRLIMIT64, pid, r, 0, Pointer.nativeValue(old), 0);
            if (rc < 0) {
                String errno = Errno.name(Native.getLastError());
                throw new CheckpointException("prlimit64(" + NAMES[r] + ") on process " + pid + " failed: " + errno, pid, errno,
                        null, null);
            }
            out.add(new RlimitImage(r, NAMES[r], old.getLong(0), old.getLong(8)));
        }
        return out;
    }

    /**
     * Sets the saved limits in the rebuilt process. A hard limit that may not be raised here keeps its current
     * value (the soft limit is capped to it) and {@code warnings} names the process, the limit and the errno.
     *
     * @param savedPid the process's PID at checkpoint time, for the warning
     */
    public static void restoreSeized(SyscallInjector inj, long savedPid, List<RlimitImage> limits, List<String> warnings)
            throws CheckpointException {
        if (limits == null) {
            return;
        }
        long in = inj.scratch() + SyscallInjector.STRUCT;
        long out = inj.scratch() + SyscallInjector.OUT;
        for (RlimitImage l : limits) {
            inj.check("prlimit64(" + l.name() + ") read", Syscalls.PRLIMIT64, 0, l.resource(), 0, out);
            ByteBuffer now = ByteBuffer.wrap(inj.get(SyscallInjector.OUT, 16)).order(ByteOrder.LITTLE_ENDIAN);
            long soft = now.getLong();
            long hard = now.getLong();
            if (soft == l.soft() && hard == l.hard()) {
                continue;
            }
            long rc = set(inj, in, l.resource(), l.soft(), l.hard());
            if (rc == -EPERM && Long.compareUnsigned(l.hard(), hard) > 0) {
                long capped = Long.compareUnsigned(l.soft(), hard) > 0 ? hard : l.soft();
                warnings.add(String.format("process %d: %s hard limit %s could not be restored (%s: raising it needs "
                        + "CAP_SYS_RESOURCE); it stays %s, soft limit %s", savedPid, l.name(), text(l.hard()), Errno.name(rc),
                        text(hard), text(capped)));
                rc = set(inj, in, l.resource(), capped, hard);
            }
            if (rc < 0) {
                throw new CheckpointException("prlimit64(" + l.name() + ", " + text(l.soft()) + ", " + text(l.hard())
                        + ") in process " + inj.tracee().tid() + " failed: " + Errno.name(rc), inj.tracee().tid(),
                        Errno.name(rc), null, null);
            }
        }
    }

    private static long set(SyscallInjector inj, long in, int resource, long soft, long hard) throws CheckpointException {
        inj.put(SyscallInjector.STRUCT, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(soft).putLong(hard).array());
        return inj.call(Syscalls.PRLIMIT64, 0, resource, in, 0);
    }

    private static String text(long v) {
        return v == -1 ? "unlimited" : Long.toUnsignedString(v);
    }
}
