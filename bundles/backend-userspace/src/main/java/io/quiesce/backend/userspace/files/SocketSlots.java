package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.seize.Tracee;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sockets are rebuilt by fabrics, between restore and release, at one descriptor of each saved socket. This checks
 * that every saved socket descriptor is back before anything runs, and gives the other descriptors of a shared
 * socket (dup'ed, or inherited across fork) the one the fabric rebuilt, as {@link FileRestore} does for files.
 */
public final class SocketSlots {
    /** A saved socket descriptor of a rebuilt, stopped process whose PID is {@code nsPid} in its namespace. */
    public record Slot(Tracee tracee, long nsPid, FdImage fd) {
    }

    private SocketSlots() {
    }

    /**
     * @param proc  the /proc root
     * @param slots every saved socket descriptor of the job, in restore order
     * @throws CheckpointException naming the PID, descriptor and saved socket when no fabric rebuilt it
     */
    public static void completeSeized(Path proc, List<Slot> slots) throws CheckpointException {
        Map<Integer, List<Slot>> byShare = new LinkedHashMap<>();
        int unshared = 0;
        for (Slot s : slots) {
            // images without sharing numbers give each descriptor its own group
            byShare.computeIfAbsent(s.fd().share() > 0 ? s.fd().share() : --unshared, k -> new ArrayList<>()).add(s);
        }
        for (List<Slot> group : byShare.values()) {
            Slot rebuilt = null;
            List<Slot> missing = new ArrayList<>();
            for (Slot s : group) {
                if (rebuilt == null && isSocket(proc, s)) {
                    rebuilt = s;
                } else {
                    missing.add(s);
                }
            }
            if (rebuilt == null) {
                Slot s = group.get(0);
                throw new CheckpointException(String.format("process %d fd %d (%s at checkpoint): no fabric rebuilt this socket",
                        s.tracee().tid(), s.fd().fd(), s.fd().path()), s.tracee().tid(), null, null, null);
            }
            FileTable.Holder holder = new FileTable.Holder(rebuilt.tracee().tid(), rebuilt.nsPid(), rebuilt.fd().fd());
            for (Slot s : missing) {
                share(proc, holder, s);
            }
        }
    }

    private static void share(Path proc, FileTable.Holder holder, Slot s) throws CheckpointException {
        try (ProcessMemory memory = new ProcessMemory(proc, s.tracee().tid())) {
            SyscallInjector inj = SyscallInjector.openSeized(s.tracee(), memory, proc);
            try {
                new FileRestore(s.tracee().tid(), s.nsPid()).takeOverSeized(inj, holder, s.fd().fd());
                inj.check("fcntl(F_SETFD) of fd " + s.fd().fd(), Syscalls.FCNTL, s.fd().fd(), Syscalls.F_SETFD,
                        (s.fd().flags() & LibC.O_CLOEXEC) != 0 ? Syscalls.FD_CLOEXEC : 0);
            } finally {
                inj.finishAsOpenedSeized();
            }
        }
    }

    private static boolean isSocket(Path proc, Slot s) {
        try {
            return Files.readSymbolicLink(proc.resolve(s.tracee().tid() + "/fd/" + s.fd().fd())).toString().startsWith("socket:[");
        } catch (IOException e) {
            return false;
        }
    }
}
