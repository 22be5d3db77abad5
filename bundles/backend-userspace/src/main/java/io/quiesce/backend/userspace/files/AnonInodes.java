package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.KernelObjectImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.proc.FdInfo;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Descriptors of anon-inode files (link text {@code anon_inode:...}): chooses the class of the kernel object
 * ({@link EventFd}, {@link TimerFd}, {@link SignalFd}, {@link Epoll}, {@link Inotify}) for dump and restore, and
 * refuses the others (pidfd, userfaultfd, io_uring, perf_event, bpf, fanotify, ...) naming process, fd and kind.
 * All anon-inode files share one inode, so {@link FileSharing} tells their open file descriptions apart with kcmp.
 */
final class AnonInodes {
    static final String PREFIX = "anon_inode:";

    /** @return the image of anon-inode descriptor {@code fd} with link text {@code target} */
    FdImage dump(java.nio.file.Path proc, long pid, int fd, String target, FdInfo info, Supplier<List<String>> namedPaths,
            List<String> warnings)
            throws CheckpointException {
        String kind = switch (target) {
            case "anon_inode:[eventfd]" -> FdImage.EVENTFD;
            case "anon_inode:[timerfd]" -> FdImage.TIMERFD;
            case "anon_inode:[signalfd]" -> FdImage.SIGNALFD;
            case "anon_inode:[eventpoll]" -> FdImage.EPOLL;
            case "anon_inode:inotify" -> FdImage.INOTIFY;
            default -> throw new NotSupportedException(String.format("process %d fd %d (%s): this kind of anon-inode descriptor is "
                    + "not supported yet (eventfd, timerfd, signalfd, epoll and inotify are)", pid, fd, target));
        };
        KernelObjectImage object;
        try {
            object = switch (kind) {
                case FdImage.EVENTFD -> EventFd.dump(pid, fd, info);
                case FdImage.TIMERFD -> TimerFd.dump(pid, fd, info);
                case FdImage.SIGNALFD -> SignalFd.dump(info);
                case FdImage.EPOLL -> Epoll.dump(info);
                default -> Inotify.dump(proc, pid, fd, info, namedPaths.get(), warnings);
            };
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CheckpointException(String.format("process %d fd %d (%s): unexpected fdinfo: %s", pid, fd, target, e.getMessage()),
                    pid, null, null, e);
        }
        // every anon-inode file has the same inode: 0 here, and kcmp tells descriptions apart
        return new FdImage(fd, kind, target, 0, info.flags(), 0, 0, object);
    }

    /** @return true for the kinds this class restores */
    static boolean handles(String kind) {
        return switch (kind) {
            case FdImage.EVENTFD, FdImage.TIMERFD, FdImage.SIGNALFD, FdImage.EPOLL, FdImage.INOTIFY -> true;
            default -> false;
        };
    }

    /**
     * Creates the kernel object of {@code f} in the rebuilt process (an epoll empty: see {@link Epoll}).
     *
     * @return its temporary descriptor there; status flags and close-on-exec are the caller's to set
     */
    static long createSeized(SyscallInjector inj, long pid, FdImage f, UnaryOperator<String> relocate, List<String> warnings)
            throws CheckpointException {
        if (f.object() == null) {
            throw new CheckpointException(String.format("process %d fd %d (%s): the image holds no state for it", pid, f.fd(), f.kind()));
        }
        return switch (f.kind()) {
            case FdImage.EVENTFD -> EventFd.createSeized(inj, pid, f);
            case FdImage.TIMERFD -> TimerFd.createSeized(inj, f);
            case FdImage.SIGNALFD -> SignalFd.createSeized(inj, f);
            case FdImage.EPOLL -> Epoll.createSeized(inj, f);
            default -> Inotify.createSeized(inj, pid, f, relocate, warnings);
        };
    }
}
