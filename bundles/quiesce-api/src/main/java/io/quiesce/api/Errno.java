package io.quiesce.api;

import java.util.Map;

/** Linux x86_64 errno names, so errors say {@code ESRCH} rather than 3. */
public final class Errno {
    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"),
            Map.entry(3, "ESRCH"), Map.entry(4, "EINTR"), Map.entry(5, "EIO"), Map.entry(6, "ENXIO"), Map.entry(7, "E2BIG"),
            Map.entry(8, "ENOEXEC"), Map.entry(9, "EBADF"), Map.entry(10, "ECHILD"), Map.entry(11, "EAGAIN"),
            Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"), Map.entry(16, "EBUSY"),
            Map.entry(17, "EEXIST"), Map.entry(18, "EXDEV"), Map.entry(19, "ENODEV"), Map.entry(20, "ENOTDIR"),
            Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"), Map.entry(23, "ENFILE"), Map.entry(24, "EMFILE"),
            Map.entry(25, "ENOTTY"), Map.entry(26, "ETXTBSY"), Map.entry(27, "EFBIG"), Map.entry(28, "ENOSPC"),
            Map.entry(29, "ESPIPE"), Map.entry(30, "EROFS"), Map.entry(32, "EPIPE"), Map.entry(34, "ERANGE"),
            Map.entry(36, "ENAMETOOLONG"), Map.entry(38, "ENOSYS"), Map.entry(39, "ENOTEMPTY"), Map.entry(40, "ELOOP"),
            Map.entry(61, "ENODATA"), Map.entry(62, "ETIME"), Map.entry(75, "EOVERFLOW"), Map.entry(88, "ENOTSOCK"),
            Map.entry(95, "EOPNOTSUPP"), Map.entry(98, "EADDRINUSE"), Map.entry(99, "EADDRNOTAVAIL"),
            Map.entry(104, "ECONNRESET"), Map.entry(107, "ENOTCONN"), Map.entry(110, "ETIMEDOUT"),
            Map.entry(111, "ECONNREFUSED"), Map.entry(115, "EINPROGRESS"), Map.entry(122, "EDQUOT"));

    private Errno() {
    }

    /**
     * @param errno a positive errno value (a negated syscall result is accepted too)
     * @return its name, e.g. {@code "ESRCH"}, or {@code "errno N"} when unknown
     */
    public static String name(long errno) {
        long e = Math.abs(errno);
        String n = NAMES.get((int) e);
        return n != null ? n : "errno " + e;
    }
}
