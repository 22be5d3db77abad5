package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.seize.TracedProcess;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.Tracer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A tracer that vanishes in the middle of an injection (the platform killed or crashed mid-dump): the kernel lets
 * the process run on from where the injection left it, and it must go on as if it had never been stopped. The
 * tracer here is a real one whose thread ends, which makes the kernel detach its tracees as it does for a dead JVM.
 */
public class InjectionFallbackTest {
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();
    private int pid;

    @After
    public void killScenario() {
        if (pid > 0) {
            Scenarios.kill(pid);
        }
    }

    private static String sigBlk(int pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("SigBlk:")).findFirst().orElseThrow();
    }

    @Test(timeout = 30000)
    public void aProcessWhoseTracerEndsMidInjectionRunsOnWithItsRegistersAndMask() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("sigpending.out");
        // sigpending00 keeps three signals blocked and pending, and checks the pending sets every tick
        pid = Scenarios.spawn("sigpending00", out, tmp.getRoot().toPath().resolve("trigger").toString());
        await(out, l -> l.startsWith("tick=3 "), 10000);
        String mask = sigBlk(pid);
        Path proc = Path.of("/proc");
        Tracer tracer = new Tracer("quiesce-test-tracer");
        long mine = tracer.call(() -> {
            Tracee t = new Tracee(pid);
            t.seize(TracedProcess.FREEZE_OPTIONS);
            t.interrupt();
            t.waitStop("the test's interrupt");
            SyscallInjector inj = SyscallInjector.openSeized(t, new ProcessMemory(proc, pid), proc);
            // a call that completes: the tracee is left at its exit stop, with the call's registers, every
            // signal blocked and rip in the scratch area: what a tracer killed between two calls leaves
            return inj.call(Syscalls.GETPID);
        });
        assertEquals("the injected getpid ran in the process", pid, mine);
        assertFalse("every signal is blocked while injecting: " + sigBlk(pid), sigBlk(pid).equals(mask));
        tracer.close(); // its thread ends: the kernel detaches the tracee, which runs on from the exit stop
        long before = Scenarios.lines(out).stream().filter(l -> l.startsWith("tick=")).mapToLong(l -> field(l, "tick")).max().orElseThrow();
        await(out, l -> l.startsWith("tick=") && field(l, "tick") > before + 5, 10000);
        assertTrue("still running", Scenarios.alive(pid));
        assertEquals("its own signal mask is back", mask, sigBlk(pid));
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH"));
    }
}
