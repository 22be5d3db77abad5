package io.quiesce.backend.userspace.files;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.TimerFdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.FdInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * timerfd(2): clock, period, time left and expirations not yet read, from fdinfo. Restored by injected
 * timerfd_create and timerfd_settime: a relative timer is re-armed with the time it had left at the checkpoint (so
 * the time between checkpoint and restart does not count), an absolute one (TFD_TIMER_ABSTIME) with its saved
 * deadline on its clock (it fires at once if that has passed), a periodic one whose last expiration was not read
 * yet one period ahead (the overruns a read would have counted for the time in between are not made up). timerfd_settime clears the expiration count, so the
 * unread expirations are put back afterwards with the TFD_IOC_SET_TICKS ioctl (a kernel built with
 * CONFIG_CHECKPOINT_RESTORE; unprivileged), which also wakes readers, exactly as if they had just expired.
 */
final class TimerFd {
    private static final long NS = 1_000_000_000L;

    private TimerFd() {
    }

    static TimerFdImage dump(long pid, int fd, FdInfo info) throws CheckpointException {
        FdInfo.Timer t = info.timer();
        long deadline = 0;
        if ((t.settimeFlags() & TimerFdImage.TFD_TIMER_ABSTIME) != 0 && t.valueNanos() != 0) {
            deadline = now(t.clockid(), pid, fd) + t.valueNanos();
        }
        return new TimerFdImage(t.clockid(), t.ticks(), t.settimeFlags(), t.valueNanos(), t.intervalNanos(), deadline);
    }

    private static long now(int clockid, long pid, int fd) throws CheckpointException {
        Memory ts = LibC.buffer(16);
        if (LibC.INSTANCE.syscall(Syscalls.CLOCK_GETTIME, clockid, com.sun.jna.Pointer.nativeValue(ts), 0) < 0) {
            String errno = Errno.name(Native.getLastError());
            throw new CheckpointException(String.format("clock_gettime(%d) for the timerfd at process %d fd %d failed: %s",
                    clockid, pid, fd, errno), pid, errno, null, null);
        }
        return ts.getLong(0) * NS + ts.getLong(8);
    }

    /** @return the new timerfd's descriptor in the process, armed and with its unread expirations */
    static long createSeized(SyscallInjector inj, FdImage f) throws CheckpointException {
        TimerFdImage t = (TimerFdImage) f.object();
        long fd = inj.check("timerfd_create(" + t.clockid() + ") for fd " + f.fd(), Syscalls.TIMERFD_CREATE, t.clockid(), 0);
        boolean abs = (t.settimeFlags() & TimerFdImage.TFD_TIMER_ABSTIME) != 0 && t.valueNanos() != 0;
        // a periodic timer that expired and was not read shows no time left (the kernel moves it on at the read):
        // it is re-armed one period ahead, its unread expiration put back below
        long value = abs ? t.deadlineNanos() : t.valueNanos() != 0 ? t.valueNanos() : t.intervalNanos();
        if (value != 0) {
            // struct itimerspec { it_interval, it_value }, each { tv_sec, tv_nsec }
            ByteBuffer spec = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            spec.putLong(t.intervalNanos() / NS).putLong(t.intervalNanos() % NS).putLong(value / NS).putLong(value % NS);
            inj.put(SyscallInjector.STRUCT, spec.array());
            inj.check("timerfd_settime for fd " + f.fd(), Syscalls.TIMERFD_SETTIME, fd, abs ? t.settimeFlags() : 0,
                    inj.scratch() + SyscallInjector.STRUCT, 0);
        }
        if (t.ticks() != 0) {
            inj.put(SyscallInjector.OUT, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(t.ticks()).array());
            inj.check("ioctl(TFD_IOC_SET_TICKS, " + t.ticks() + ") for fd " + f.fd() + " (needs CONFIG_CHECKPOINT_RESTORE)",
                    Syscalls.IOCTL, fd, Syscalls.TFD_IOC_SET_TICKS, inj.scratch() + SyscallInjector.OUT);
        }
        return fd;
    }
}
