package io.quiesce.backend.userspace.signals;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.SigactionImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.KernelSigaction;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Saves signal dispositions. The kernel offers no way to read another process's sigactions, so they are read by
 * injecting {@code rt_sigaction(sig, NULL, &old, 8)} for every signal but SIGKILL and SIGSTOP.
 */
public final class SignalDump {
    /** Highest signal number. */
    public static final int MAX_SIGNAL = 64;

    private SignalDump() {
    }

    /** @return true for the signals whose disposition cannot be changed (SIGKILL, SIGSTOP) */
    public static boolean fixed(int sig) {
        return sig == 9 || sig == 19;
    }

    /** @return every changeable signal's disposition */
    public static List<SigactionImage> dumpSeized(SyscallInjector inj) throws CheckpointException {
        List<SigactionImage> out = new ArrayList<>();
        long old = inj.scratch() + SyscallInjector.STRUCT;
        for (int sig = 1; sig <= MAX_SIGNAL; sig++) {
            if (fixed(sig)) {
                continue;
            }
            inj.check("rt_sigaction(" + sig + ") read", Syscalls.RT_SIGACTION, sig, 0, old, 8);
            ByteBuffer b = ByteBuffer.wrap(inj.get(SyscallInjector.STRUCT, KernelSigaction.SIZE)).order(ByteOrder.LITTLE_ENDIAN);
            out.add(new SigactionImage(sig, b.getLong(), b.getLong(), b.getLong(), b.getLong()));
        }
        return out;
    }
}
