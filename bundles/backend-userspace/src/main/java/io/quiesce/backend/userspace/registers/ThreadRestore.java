package io.quiesce.backend.userspace.registers;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Ptrace;
import io.quiesce.backend.userspace.linux.X86_64Regs;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.WaitStatus;
import io.quiesce.backend.userspace.signals.PendingSignals;
import java.util.ArrayList;
import java.util.List;

/**
 * Recreates the threads of a rebuilt process other than its leader: each by an injected clone3 in the leader with
 * its saved TLS, clear_child_tid address and <em>exact</em> TID (set_tid). A changed TID is not a warning but a
 * failure: glibc caches each thread's TID in its descriptor, and mutexes (robust, PI, error-checking) hold their
 * owner's TID in memory, which the restored memory still has.
 */
public final class ThreadRestore {
    private ThreadRestore() {
    }

    /**
     * @param leader  the injector of the rebuilt leader (memory, descriptors and sigactions in place)
     * @param memory  the process's memory
     * @param image   the saved process (its PID for messages; its name, which each new thread inherits)
     * @param threads the saved threads but the leader
     * @param spawned where each new thread's TID is added as soon as it exists (a failed restore reaps it)
     * @return the new threads, each stopped with its final registers, to be detached with the process
     */
    public static List<Tracee> createSeized(SyscallInjector leader, ProcessMemory memory, ProcessImage image,
            List<ThreadImage> threads, List<Integer> spawned) throws CheckpointException {
        long pid = image.pid();
        List<Tracee> out = new ArrayList<>();
        for (ThreadImage t : threads) {
            long wanted = t.tidInJob();
            long tid = leader.cloneThreadSeized(wanted, t.regs()[X86_64Regs.FS_BASE], t.tidAddress());
            if (tid < 0) {
                throw new CheckpointException(String.format("thread %d of process %d cannot be recreated with its TID %d "
                        + "(clone3 set_tid: %s): a thread's TID must not change (its pthread descriptor and mutex owners "
                        + "hold it); launch the job through the platform, in a PID namespace of its own, or restore as root",
                        t.tid(), pid, wanted, Errno.name(tid)), pid, Errno.name(tid), null, null);
            }
            spawned.add((int) tid);
            Tracee nt = new Tracee((int) tid);
            int s = nt.waitStop("its first stop after the injected clone3");
            if (WaitStatus.event(s) != Ptrace.EVENT_STOP) {
                throw new CheckpointException("new thread " + tid + " of process " + pid + " first stopped with " + WaitStatus.describe(s),
                        tid, null, null, null);
            }
            SyscallInjector inj = SyscallInjector.adoptThreadSeized(nt, memory, leader.scratch());
            ThreadState.restoreThreadSeized(inj, t, image.comm());
            PendingSignals.restoreThreadSeized(inj, t.pending(), wanted);
            ThreadState.finishThreadSeized(inj, t);
            out.add(nt);
        }
        return out;
    }
}
