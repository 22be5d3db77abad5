package io.quiesce.backend.userspace.files;

import com.sun.jna.Native;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.EpollImage;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.EpollEvent;
import io.quiesce.backend.userspace.linux.KcmpEpollSlot;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.proc.FdInfo;
import io.quiesce.backend.userspace.seize.Tracee;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * epoll(7): the interest list (fdinfo {@code tfd: events: data:}) with its flags (EPOLLET, EPOLLONESHOT, ...).
 *
 * <p>A registration is keyed by the file and the descriptor number it was added with; the number may have been
 * closed or reused since (the kernel keeps a registration as long as its file lives). So every registration is
 * checked with kcmp(2) KCMP_EPOLL_TFD against the descriptor of that number in a process holding the epoll: only
 * one that is still open there, as the same file, can be re-added, and the others are refused naming process,
 * epoll descriptor and number.
 *
 * <p>The instance is created empty where its descriptor is restored (epoll_create1); the registrations are re-added
 * by injected epoll_ctl(EPOLL_CTL_ADD) at release, after the fabrics have put sockets back and before anything
 * runs, so a registration of a socket finds it. EPOLL_CTL_ADD polls the file: a level-triggered registration
 * reports what is ready as before; an edge-triggered one (EPOLLET) reports a file that is ready at restart once,
 * even when the application had already been told before the checkpoint (a spurious wakeup that ET users who read
 * until EAGAIN handle); an armed EPOLLONESHOT is re-armed, a fired one (only its flags left) is re-added disarmed.
 */
public final class Epoll {
    /** A rebuilt, stopped process with its saved descriptors. */
    public record Holder(Tracee tracee, List<FdImage> fds) {
    }

    private Epoll() {
    }

    /** @return every registration of the epoll at {@code fd}, as fdinfo lists them; checked by {@link #assign} */
    static EpollImage dump(FdInfo info) {
        List<EpollImage.Target> targets = new ArrayList<>();
        for (FdInfo.EpollEntry e : info.epollEntries()) {
            targets.add(new EpollImage.Target(e.tfd(), e.events(), e.data()));
        }
        return new EpollImage(targets);
    }

    /**
     * Gives each registration of each epoll of the job to one process that holds the epoll and has the watched file
     * open at the registered number; the other holders of the same epoll get no registration to re-add.
     *
     * @param fds the job's descriptors, numbered by open file description
     * @return the same descriptors, the epolls' registrations assigned
     * @throws NotSupportedException naming process, epoll descriptor and registered number for a registration whose
     *                               file is no longer open at that number in any process holding the epoll
     */
    public static Map<Long, List<FdImage>> assign(Map<Long, List<FdImage>> fds) throws CheckpointException {
        record At(long pid, FdImage fd) {
        }
        Map<Integer, List<At>> byShare = new LinkedHashMap<>();
        for (Map.Entry<Long, List<FdImage>> e : fds.entrySet()) {
            for (FdImage f : e.getValue()) {
                if (FdImage.EPOLL.equals(f.kind())) {
                    byShare.computeIfAbsent(f.share(), k -> new ArrayList<>()).add(new At(e.getKey(), f));
                }
            }
        }
        Map<String, List<EpollImage.Target>> assigned = new LinkedHashMap<>();
        for (List<At> holders : byShare.values()) {
            List<EpollImage.Target> targets = ((EpollImage) holders.get(0).fd().object()).targets();
            Map<Integer, Integer> seen = new LinkedHashMap<>();
            for (EpollImage.Target t : targets) {
                int toff = seen.merge(t.tfd(), 1, Integer::sum) - 1;
                At where = null;
                for (At h : holders) {
                    if (registered(h.pid(), h.fd().fd(), t.tfd(), toff)) {
                        where = h;
                        break;
                    }
                }
                if (where == null) {
                    At h = holders.get(0);
                    throw new NotSupportedException(String.format("process %d fd %d (epoll): its registration of fd %d (events 0x%x) "
                            + "names a file that is no longer open as fd %d in any process holding this epoll (closed or "
                            + "replaced after EPOLL_CTL_ADD, while the file lives on elsewhere): it cannot be re-added",
                            h.pid(), h.fd().fd(), t.tfd(), t.events(), t.tfd()));
                }
                assigned.computeIfAbsent(where.pid() + ":" + where.fd().fd(), k -> new ArrayList<>()).add(t);
            }
        }
        Map<Long, List<FdImage>> out = new LinkedHashMap<>();
        for (Map.Entry<Long, List<FdImage>> e : fds.entrySet()) {
            List<FdImage> l = new ArrayList<>();
            for (FdImage f : e.getValue()) {
                l.add(FdImage.EPOLL.equals(f.kind())
                        ? f.withObject(new EpollImage(assigned.getOrDefault(e.getKey() + ":" + f.fd(), List.of())))
                        : f);
            }
            out.put(e.getKey(), l);
        }
        return out;
    }

    /** @return true when registration ({@code tfd}, {@code toff}) of epoll {@code efd} is the file at {@code tfd} */
    private static boolean registered(long pid, int efd, int tfd, int toff) throws CheckpointException {
        KcmpEpollSlot slot = new KcmpEpollSlot(efd, tfd, toff);
        long rc = LibC.INSTANCE.syscall(Syscalls.KCMP, pid, pid, Syscalls.KCMP_EPOLL_TFD, tfd,
                com.sun.jna.Pointer.nativeValue(slot.getPointer()));
        if (rc < 0) {
            int errno = Native.getLastError();
            if (errno == 9) { // EBADF: no descriptor tfd
                return false;
            }
            throw new CheckpointException(String.format("kcmp(KCMP_EPOLL_TFD) of process %d epoll fd %d and its fd %d failed: %s",
                    pid, efd, tfd, Errno.name(errno)), pid, Errno.name(errno), null, null);
        }
        return rc == 0;
    }

    /** @return a new, empty epoll instance's descriptor in the process; status flags are set by the caller */
    static long createSeized(SyscallInjector inj, FdImage f) throws CheckpointException {
        return inj.check("epoll_create1 for fd " + f.fd(), Syscalls.EPOLL_CREATE1, 0);
    }

    /**
     * Re-adds every epoll registration of the job, once every descriptor is back (sockets too).
     *
     * @param proc    the /proc root
     * @param holders every rebuilt process, stopped, with its saved descriptors
     */
    public static void restoreTargetsSeized(Path proc, List<Holder> holders) throws CheckpointException {
        for (Holder h : holders) {
            List<FdImage> epolls = h.fds().stream().filter(f -> f.object() instanceof EpollImage e && !e.targets().isEmpty()).toList();
            if (epolls.isEmpty()) {
                continue;
            }
            try (ProcessMemory memory = new ProcessMemory(proc, h.tracee().tid())) {
                SyscallInjector inj = SyscallInjector.openSeized(h.tracee(), memory, proc);
                try {
                    for (FdImage f : epolls) {
                        for (EpollImage.Target t : ((EpollImage) f.object()).targets()) {
                            inj.put(SyscallInjector.STRUCT, new EpollEvent(t.events(), t.data()).bytes());
                            inj.check(String.format("epoll_ctl(EPOLL_CTL_ADD) of fd %d (events 0x%x) to epoll fd %d", t.tfd(), t.events(),
                                    f.fd()), Syscalls.EPOLL_CTL, f.fd(), Syscalls.EPOLL_CTL_ADD, t.tfd(), inj.scratch() + SyscallInjector.STRUCT);
                        }
                    }
                } finally {
                    inj.finishAsOpenedSeized();
                }
            }
        }
    }
}
