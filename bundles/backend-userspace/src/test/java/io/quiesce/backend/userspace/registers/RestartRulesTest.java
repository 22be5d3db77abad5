package io.quiesce.backend.userspace.registers;

import static io.quiesce.backend.userspace.linux.X86_64Regs.ORIG_RAX;
import static io.quiesce.backend.userspace.linux.X86_64Regs.RAX;
import static io.quiesce.backend.userspace.linux.X86_64Regs.RIP;
import static org.junit.Assert.assertEquals;

import io.quiesce.backend.userspace.linux.X86_64Regs;
import org.junit.Test;

/** The syscall-restart normalisation (facts: "Registers and restart: the rule that worked"). */
public class RestartRulesTest {
    private static X86_64Regs stoppedIn(long nr, long rax) {
        return new X86_64Regs(new long[X86_64Regs.COUNT]).with(ORIG_RAX, nr).with(RAX, rax).with(RIP, 0x1002);
    }

    private static void check(X86_64Regs r, long rax, long rip) {
        assertEquals("rax", rax, r.get(RAX));
        assertEquals("rip", rip, r.get(RIP));
        assertEquals("orig_rax", -1, r.get(ORIG_RAX));
    }

    @Test
    public void restartCodesRewindTheSyscall() {
        for (long code : new long[] { -512, -513, -514 }) {
            check(RestartRules.forRestore(stoppedIn(0, code)), 0, 0x1000);
            check(RestartRules.forResume(stoppedIn(34, code)), 34, 0x1000);
        }
    }

    @Test
    public void restartBlockAfterRestoreReissuesWhatCanBeReissuedElseEintr() {
        check(RestartRules.forRestore(stoppedIn(230, -516)), 230, 0x1000); // clock_nanosleep starts over
        check(RestartRules.forRestore(stoppedIn(7, -516)), 7, 0x1000); // poll: no EINTR for a program without handlers
        check(RestartRules.forRestore(stoppedIn(202, -516)), 202, 0x1000); // futex
        check(RestartRules.forRestore(stoppedIn(219, -516)), -4, 0x1002); // restart_syscall: its original is unknown
    }

    @Test
    public void restartBlockOnResumeUsesRestartSyscallExceptForPollAndFutex() {
        check(RestartRules.forResume(stoppedIn(230, -516)), 219, 0x1000); // the remaining sleep, exactly
        check(RestartRules.forResume(stoppedIn(7, -516)), 7, 0x1000);
        check(RestartRules.forResume(stoppedIn(271, -516)), 271, 0x1000);
        check(RestartRules.forResume(stoppedIn(202, -516)), 202, 0x1000);
    }

    @Test
    public void completedSyscallsAndUserCodeAreLeftAlone() {
        check(RestartRules.forRestore(stoppedIn(1, 5)), 5, 0x1002);
        check(RestartRules.forRestore(stoppedIn(1, -4)), -4, 0x1002);
        // not in a syscall (orig_rax -1): a restart code in rax is just a value
        check(RestartRules.forResume(stoppedIn(-1, -512)), -512, 0x1002);
    }

    @Test
    public void injectionRegistersAlwaysHaveOrigRaxMinusOne() {
        X86_64Regs r = stoppedIn(34, -514).forSyscall(0x40000000L, 13, 10, 0, 0x40000100L, 8);
        assertEquals(-1, r.get(ORIG_RAX));
        assertEquals(13, r.get(RAX));
        assertEquals(10, r.get(X86_64Regs.RDI));
        assertEquals(0x40000100L, r.get(X86_64Regs.RDX));
        assertEquals(8, r.get(X86_64Regs.R10));
    }
}
