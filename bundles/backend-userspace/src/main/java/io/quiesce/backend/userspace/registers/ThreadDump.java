package io.quiesce.backend.userspace.registers;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.seize.TracedProcess;
import io.quiesce.backend.userspace.seize.Tracee;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The threads of a frozen process other than its leader, saved with the leader's dump. */
public final class ThreadDump {
    private ThreadDump() {
    }

    /** @return what ptrace and /proc tell about each thread but the leader, before any injection */
    public static List<ThreadImage> collectOthersSeized(Path proc, TracedProcess p) throws CheckpointException {
        List<ThreadImage> out = new ArrayList<>();
        for (Tracee t : p.others()) {
            out.add(ThreadState.collectSeized(proc, p.pid(), t, true, 0));
        }
        return out;
    }

    /**
     * Reads what only each thread can tell (clear_child_tid, sigaltstack) by injecting into it through the leader's
     * scratch area, and leaves it stopped with registers it can resume from, whatever the dump does next.
     */
    public static List<ThreadImage> injectOthersSeized(SyscallInjector leader, ProcessMemory memory, TracedProcess p,
            List<ThreadImage> others) throws CheckpointException {
        List<ThreadImage> out = new ArrayList<>();
        List<Tracee> tracees = p.others();
        for (int i = 0; i < others.size(); i++) {
            ThreadImage img = others.get(i);
            SyscallInjector inj = SyscallInjector.adoptThreadSeized(tracees.get(i), memory, leader.scratch());
            X86_64Regs resume = RestartRules.forResume(new X86_64Regs(img.regs()));
            try {
                out.add(ThreadState.collectInjectedSeized(inj, img));
                inj.releaseThreadSeized(resume, img.sigmask());
            } catch (CheckpointException | RuntimeException e) {
                inj.abandonSeized(resume);
                throw e;
            }
        }
        return out;
    }

    /** @return the leader first, then the others */
    public static List<ThreadImage> all(ThreadImage leader, List<ThreadImage> others) {
        List<ThreadImage> all = new ArrayList<>();
        all.add(leader);
        all.addAll(others);
        return List.copyOf(all);
    }
}
