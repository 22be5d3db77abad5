package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.EventFdImage;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.FdInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * eventfd(2): its counter and EFD_SEMAPHORE come from fdinfo; restored by an injected eventfd2 and a write of the
 * counter (eventfd2 takes only 32 bits of initial value). Status flags and close-on-exec are set by
 * {@link FileRestore} as for any descriptor.
 */
final class EventFd {
    private EventFd() {
    }

    static EventFdImage dump(long pid, int fd, FdInfo info) throws NotSupportedException {
        if (!info.showsEventfdSemaphore()) {
            throw new NotSupportedException(String.format("process %d fd %d (eventfd): this kernel's fdinfo does not tell whether it "
                    + "is an EFD_SEMAPHORE eventfd (Linux 6.6 and later do)", pid, fd));
        }
        return new EventFdImage(info.eventfdCount(), info.eventfdSemaphore());
    }

    /** @return the new eventfd's descriptor in the process */
    static long createSeized(SyscallInjector inj, long pid, FdImage f) throws CheckpointException {
        EventFdImage e = (EventFdImage) f.object();
        long fd = inj.check("eventfd2 for fd " + f.fd(), Syscalls.EVENTFD2, 0, e.semaphore() ? Syscalls.EFD_SEMAPHORE : 0);
        if (e.count() != 0) {
            inj.put(SyscallInjector.OUT, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(e.count()).array());
            long n = inj.check("write of the eventfd counter " + Long.toUnsignedString(e.count()) + " for fd " + f.fd(),
                    Syscalls.WRITE, fd, inj.scratch() + SyscallInjector.OUT, 8);
            if (n != 8) {
                throw new CheckpointException("process " + pid + ": the eventfd counter of fd " + f.fd() + " took " + n + " bytes");
            }
        }
        return fd;
    }
}
