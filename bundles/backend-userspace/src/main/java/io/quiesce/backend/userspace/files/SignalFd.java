package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.SignalFdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.FdInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * signalfd(2): its mask comes from fdinfo; restored by an injected signalfd4. The signals it would read are the
 * process's pending signals, saved and requeued by {@code signals/PendingSignals}.
 */
final class SignalFd {
    private SignalFd() {
    }

    static SignalFdImage dump(FdInfo info) {
        return new SignalFdImage(info.signalfdMask());
    }

    /** @return the new signalfd's descriptor in the process */
    static long createSeized(SyscallInjector inj, FdImage f) throws CheckpointException {
        SignalFdImage s = (SignalFdImage) f.object();
        inj.put(SyscallInjector.STRUCT, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(s.mask()).array());
        return inj.check("signalfd4 for fd " + f.fd(), Syscalls.SIGNALFD4, -1, inj.scratch() + SyscallInjector.STRUCT, 8, 0);
    }
}
