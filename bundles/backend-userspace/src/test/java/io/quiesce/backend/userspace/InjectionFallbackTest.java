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

    /** Starts sigpending00 (three signals kept blocked and pending, its pending sets checked every tick). */
    private Path start() throws Exception {
        Path out = tmp.getRoot().toPath().resolve("sigpending.out");
        pid = Scenarios.spawn("sigpending00", out, tmp.getRoot().toPath().resolve("trigger").toString());
        await(out, l -> l.startsWith("tick=3 "), 10000);
        return out;
    }

    /** Ends the tracer's thread (the kernel detaches the tracee), then checks the process runs on as it was. */
    private void tracerEndsThenRunsOn(Tracer tracer, Path out, String mask) throws Exception {
        tracer.close();
        long before = Scenarios.lines(out).stream().filter(l -> l.startsWith("tick=")).mapToLong(l -> field(l, "tick")).max().orElseThrow();
        await(out, l -> l.startsWith("tick=") && field(l, "tick") > before + 5, 10000);
        assertTrue("still running", Scenarios.alive(pid));
        assertEquals("its own signal mask", mask, sigBlk(pid));
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH"));
    }

    private static SyscallInjector seize(int pid) throws io.quiesce.api.CheckpointException {
        Path proc = Path.of("/proc");
        Tracee t = new Tracee(pid);
        t.seize(TracedProcess.FREEZE_OPTIONS);
        t.interrupt();
        t.waitStop("the test's interrupt");
        return SyscallInjector.openSeized(t, new ProcessMemory(proc, pid), proc);
    }

    @Test(timeout = 30000)
    public void betweenTwoCallsTheProcessHoldsItsOwnStateAndRunsOnWhenItsTracerEnds() throws Exception {
        Path out = start();
        String mask = sigBlk(pid);
        Tracer tracer = new Tracer("quiesce-test-tracer");
        long mine = tracer.call(() -> seize(pid).call(Syscalls.GETPID));
        assertEquals("the injected getpid ran in the process", pid, mine);
        assertEquals("between calls the process holds its own mask", mask, sigBlk(pid));
        tracerEndsThenRunsOn(tracer, out, mask);
    }

    @Test(timeout = 30000)
    public void aProcessWhoseTracerEndsInsideAnInjectedCallRunsOnWithItsRegistersAndMask() throws Exception {
        Path out = start();
        String mask = sigBlk(pid);
        Tracer tracer = new Tracer("quiesce-test-tracer");
        tracer.call(() -> {
            SyscallInjector inj = seize(pid);
            inj.call(Syscalls.GETPID); // the resume block now holds this thread's own registers and mask
            // then a call the tracer leaves inside: nanosleep of 300 ms, from its entry stop on, as call() runs it
            Tracee t = inj.tracee();
            long ts = inj.scratch() + SyscallInjector.STRUCT;
            new ProcessMemory(Path.of("/proc"), pid).write(ts, java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putLong(0).putLong(300_000_000L).array());
            t.setSigMaskSeized(-1L);
            t.setRegsSeized(inj.template().forSyscall(inj.scratch() + SyscallInjector.RESUME_CODE, (int) Syscalls.NANOSLEEP, ts, 0));
            t.syscallStep();
            t.waitStop("the injected nanosleep's entry");
            t.syscallStep(); // into the sleep: the tracer's thread ends while the process sleeps in our call
            return null;
        });
        assertFalse("every signal is blocked inside the call: " + sigBlk(pid), sigBlk(pid).equals(mask));
        tracerEndsThenRunsOn(tracer, out, mask);
    }
}
