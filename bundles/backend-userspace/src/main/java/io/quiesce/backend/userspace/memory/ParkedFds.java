package io.quiesce.backend.userspace.memory;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One kernel object per key for the whole job at restore, held by a descriptor parked in the first rebuilt process
 * that needs it (above its saved descriptors); later processes take it with pidfd_getfd(2). Used for the memfds
 * behind shared anonymous memory and for saved memfds. Used on the restorer's tracer thread only.
 *
 * @param <K> what identifies an object in the image
 */
final class ParkedFds<K> {
    /** Creates the object inside the process being rebuilt. */
    @FunctionalInterface
    interface Creator {
        /** @return its new descriptor there (parked afterwards) */
        long createSeized(SyscallInjector inj) throws CheckpointException;
    }

    private record Holder(long pid, long nsPid, int fd) {
    }

    private final Map<K, Holder> holders = new HashMap<>();

    /**
     * @param pid      the process being rebuilt
     * @param nsPid    its PID in its own namespace (what another process's pidfd_open needs)
     * @param what     the object, for messages
     * @param parkBase the first descriptor above its saved ones, where a new object is parked
     * @return a descriptor of the object in that process: the parked one, or a temporary copy to close once used
     */
    SharedMemory.Fd fdSeized(SyscallInjector inj, long pid, long nsPid, K key, String what, int parkBase, Creator create)
            throws CheckpointException {
        Holder h = holders.get(key);
        if (h != null && h.pid() == pid) {
            return new SharedMemory.Fd(h.fd(), false);
        }
        if (h != null) {
            long fd = inj.takeFdSeized(h.nsPid(), h.fd());
            if (fd < 0) {
                throw new CheckpointException(String.format("process %d cannot take %s from fd %d of process %d: pidfd_getfd: %s",
                        pid, what, h.fd(), h.pid(), Errno.name(fd)), pid, Errno.name(fd), null, null);
            }
            return new SharedMemory.Fd(fd, true);
        }
        long fd = create.createSeized(inj);
        int parked = (int) inj.check("parking the descriptor of " + what, Syscalls.FCNTL, fd, Syscalls.F_DUPFD_CLOEXEC, parkBase);
        inj.call(Syscalls.CLOSE, fd);
        holders.put(key, new Holder(pid, nsPid, parked));
        return new SharedMemory.Fd(parked, false);
    }

    /** @return the objects parked in {@code pid}, with their descriptors there */
    Map<K, Integer> parkedIn(long pid) {
        Map<K, Integer> mine = new HashMap<>();
        holders.forEach((k, h) -> {
            if (h.pid() == pid) {
                mine.put(k, h.fd());
            }
        });
        return mine;
    }

    /** Closes the descriptors parked in {@code pid}; call once every process of the job is rebuilt. */
    void closeParkedSeized(SyscallInjector inj, long pid) throws CheckpointException {
        List<Integer> mine = new ArrayList<>(parkedIn(pid).values());
        for (int fd : mine) {
            inj.check("close of parked descriptor " + fd, Syscalls.CLOSE, fd);
        }
        holders.values().removeIf(h -> h.pid() == pid);
    }
}
