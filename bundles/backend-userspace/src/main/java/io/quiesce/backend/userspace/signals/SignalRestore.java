package io.quiesce.backend.userspace.signals;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.SigactionImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.KernelSigaction;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Restores saved signal dispositions by injecting {@code rt_sigaction(sig, &saved, NULL, 8)}. */
public final class SignalRestore {
    private SignalRestore() {
    }

    /** Sets every saved disposition. */
    public static void restoreSeized(SyscallInjector inj, List<SigactionImage> actions) throws CheckpointException {
        for (SigactionImage a : actions) {
            if (SignalDump.fixed(a.signal())) {
                continue;
            }
            ByteBuffer b = ByteBuffer.allocate(KernelSigaction.SIZE).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(a.handler()).putLong(a.flags()).putLong(a.restorer()).putLong(a.mask());
            inj.put(SyscallInjector.STRUCT, b.array());
            inj.check("rt_sigaction(" + a.signal() + ") write", Syscalls.RT_SIGACTION, a.signal(),
                    inj.scratch() + SyscallInjector.STRUCT, 0, 8);
        }
    }
}
