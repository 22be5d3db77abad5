package io.quiesce.backend.userspace.registers;

import static io.quiesce.backend.userspace.linux.X86_64Regs.ORIG_RAX;
import static io.quiesce.backend.userspace.linux.X86_64Regs.RAX;
import static io.quiesce.backend.userspace.linux.X86_64Regs.RIP;

import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import java.util.Set;

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
     * Syscalls that leave -516 (ERESTART_RESTARTBLOCK) behind and may simply be issued again with the arguments
     * still in their registers: a timeout that starts over only makes the wait longer, which the kernel may always
     * do, whereas an EINTR is a result the program only expects when one of its signal handlers ran. A program
     * that has none (util-linux's {@code script} polls with signalfd) treats that EINTR as fatal.
     */
    private static final Set<Long> REISSUED = Set.of(Syscalls.POLL, Syscalls.PPOLL, Syscalls.FUTEX);
    /** Sleeps, issued again after a restore (the remaining time is lost: the sleep starts over). */
    private static final Set<Long> SLEEPS = Set.of(Syscalls.NANOSLEEP, Syscalls.CLOCK_NANOSLEEP);

    /**
     * For a rebuilt process (restore): -512/-513/-514 restart the syscall ({@code rax = orig_rax, rip -= 2}).
     * -516 (ERESTART_RESTARTBLOCK): the kernel's restart block (the remaining time) did not survive, so poll, ppoll,
     * futex and the sleeps are issued again from the start; any other syscall (restart_syscall itself among them,
     * whose original is no longer known) gets -EINTR, as in CRIU.
     */
    public static X86_64Regs forRestore(X86_64Regs r) {
        return normalize(r, false);
    }

    /**
     * For the same process continuing after its checkpoint (resume): as {@link #forRestore}, except that -516
     * restarts through restart_syscall(2), since the kernel's restart block is still intact (a nanosleep then
     * sleeps its remaining time); poll, ppoll and futex are issued again instead, so that a later checkpoint
     * does not find them inside a restart_syscall whose original a restore could no longer issue.
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
                if (REISSUED.contains(orig) || !sameProcess && SLEEPS.contains(orig)) {
                    out = out.with(RAX, orig).with(RIP, r.get(RIP) - 2);
                } else {
                    out = sameProcess ? out.with(RAX, Syscalls.RESTART_SYSCALL).with(RIP, r.get(RIP) - 2)
                            : out.with(RAX, Syscalls.EINTR);
                }
            }
        }
        return out.with(ORIG_RAX, -1);
    }
}
