package io.quiesce.backend.userspace.registers;

import static io.quiesce.backend.userspace.linux.X86_64Regs.ORIG_RAX;
import static io.quiesce.backend.userspace.linux.X86_64Regs.RAX;
import static io.quiesce.backend.userspace.linux.X86_64Regs.RIP;

import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.X86_64Regs;

/**
 * What the kernel would have done with a syscall that our stop interrupted, done by hand. The engine always
 * leaves a tracee at a syscall-exit stop, where the kernel's own restart logic does not run, so a restart code
 * left in rax would reach user space as the syscall's result. Both results set orig_rax = -1 so that no later
 * stop can apply the kernel's logic a second time on top of ours.
 */
public final class RestartRules {
    private RestartRules() {
    }

    /**
     * For a rebuilt process (restore): -512/-513/-514 restart the syscall ({@code rax = orig_rax, rip -= 2});
     * -516 (ERESTART_RESTARTBLOCK) becomes -EINTR, as in CRIU, because the kernel's restart block (e.g. the
     * remaining nanosleep time) did not survive.
     */
    public static X86_64Regs forRestore(X86_64Regs r) {
        return normalize(r, false);
    }

    /**
     * For the same process continuing after its checkpoint (resume): as {@link #forRestore}, except that -516
     * restarts through restart_syscall(2), since the kernel's restart block is still intact; a nanosleep then
     * sleeps its remaining time instead of returning EINTR.
     */
    public static X86_64Regs forResume(X86_64Regs r) {
        return normalize(r, true);
    }

    private static X86_64Regs normalize(X86_64Regs r, boolean sameProcess) {
        long orig = r.get(ORIG_RAX);
        X86_64Regs out = r;
        if (orig >= 0) {
            long rax = r.get(RAX);
            if (rax == Syscalls.ERESTARTSYS || rax == Syscalls.ERESTARTNOINTR || rax == Syscalls.ERESTARTNOHAND) {
                out = out.with(RAX, orig).with(RIP, r.get(RIP) - 2);
            } else if (rax == Syscalls.ERESTART_RESTARTBLOCK) {
                out = sameProcess ? out.with(RAX, Syscalls.RESTART_SYSCALL).with(RIP, r.get(RIP) - 2)
                        : out.with(RAX, Syscalls.EINTR);
            }
        }
        return out.with(ORIG_RAX, -1);
    }
}
