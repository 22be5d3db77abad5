package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /proc/PID/fdinfo/FD: a descriptor's file position and open flags, and the lines the kernel adds for anon-inode
 * files (eventfd, timerfd, signalfd, epoll, inotify), read through the typed accessors.
 *
 * @param pos   the file position ({@code pos:})
 * @param flags the open flags ({@code flags:}, octal), including O_CLOEXEC for a close-on-exec descriptor
 * @param lines every line of the file, for the accessors below
 */
public record FdInfo(long pos, int flags, List<String> lines) {
    /** One epoll registration: {@code tfd: N events: HEX data: HEX pos: N ino: HEX sdev: HEX}. */
    public record EpollEntry(int tfd, int events, long data, long inode, long sdev) {
    }

    /** One inotify watch (every number hex): {@code inotify wd:N ino:HEX sdev:HEX mask:HEX ignored_mask:HEX fhandle-bytes:.. f_handle:HEX}. */
    public record InotifyEntry(int wd, long inode, long sdev, int mask, int handleType, byte[] handle) {
    }

    /** A timerfd: {@code clockid}, {@code ticks}, {@code settime flags} and the two times in nanoseconds. */
    public record Timer(int clockid, long ticks, int settimeFlags, long valueNanos, long intervalNanos) {
    }

    private static final Pattern EPOLL = Pattern.compile(
            "tfd:\\s*(\\d+)\\s+events:\\s*([0-9a-f]+)\\s+data:\\s*([0-9a-f]+)\\s+pos:\\s*(\\d+)\\s+ino:\\s*([0-9a-f]+)\\s+sdev:\\s*([0-9a-f]+).*");
    private static final Pattern INOTIFY = Pattern.compile("inotify wd:([0-9a-f]+) ino:([0-9a-f]+) sdev:([0-9a-f]+) mask:([0-9a-f]+) "
            + "ignored_mask:[0-9a-f]+(?: fhandle-bytes:([0-9a-f]+) fhandle-type:([0-9a-f]+) f_handle:([0-9a-f]*))?.*");
    private static final Pattern TIME = Pattern.compile("\\((\\d+), (\\d+)\\)");

    /** A descriptor with no extra lines. */
    public FdInfo(long pos, int flags) {
        this(pos, flags, List.of());
    }

    /** @return the fdinfo of descriptor {@code fd} of {@code pid} */
    public static FdInfo read(Path proc, long pid, int fd) throws IOException {
        return parse(Files.readString(proc.resolve(pid + "/fdinfo/" + fd)));
    }

    /**
     * @param text an fdinfo file's contents
     * @throws IllegalArgumentException when pos or flags is missing
     */
    public static FdInfo parse(String text) {
        Long pos = null;
        Integer flags = null;
        List<String> lines = List.of(text.split("\n"));
        for (String line : lines) {
            if (line.startsWith("pos:")) {
                pos = Long.parseLong(line.substring(4).trim());
            } else if (line.startsWith("flags:")) {
                flags = Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        if (pos == null || flags == null) {
            throw new IllegalArgumentException("fdinfo without pos or flags: " + text);
        }
        return new FdInfo(pos, flags, lines);
    }

    /** @return the value after {@code key:} on its line, or null */
    private String value(String key) {
        for (String line : lines) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        return null;
    }

    private String required(String key) {
        String v = value(key);
        if (v == null) {
            throw new IllegalArgumentException("fdinfo without " + key + ": " + String.join("\n", lines));
        }
        return v;
    }

    /** @return an eventfd's counter ({@code eventfd-count:}, hex) */
    public long eventfdCount() {
        return Long.parseUnsignedLong(required("eventfd-count"), 16);
    }

    /** @return true for an EFD_SEMAPHORE eventfd ({@code eventfd-semaphore:}; false on kernels that do not show it) */
    public boolean eventfdSemaphore() {
        return "1".equals(value("eventfd-semaphore"));
    }

    /** @return true when the kernel shows whether an eventfd is a semaphore (6.6 and later) */
    public boolean showsEventfdSemaphore() {
        return value("eventfd-semaphore") != null;
    }

    /** @return a signalfd's mask ({@code sigmask:}, hex) */
    public long signalfdMask() {
        return Long.parseUnsignedLong(required("sigmask"), 16);
    }

    /** @return a timerfd's settings */
    public Timer timer() {
        return new Timer(Integer.parseInt(required("clockid")), Long.parseUnsignedLong(required("ticks")),
                Integer.parseInt(required("settime flags"), 8), nanos(required("it_value")), nanos(required("it_interval")));
    }

    private static long nanos(String t) {
        Matcher m = TIME.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a (seconds, nanoseconds) time: " + t);
        }
        return Math.addExact(Math.multiplyExact(Long.parseLong(m.group(1)), 1_000_000_000L), Long.parseLong(m.group(2)));
    }

    /** @return an epoll instance's registrations, in fdinfo order */
    public List<EpollEntry> epollEntries() {
        List<EpollEntry> out = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("tfd:")) {
                Matcher m = EPOLL.matcher(line.trim());
                if (!m.matches()) {
                    throw new IllegalArgumentException("unexpected epoll line: " + line);
                }
                out.add(new EpollEntry(Integer.parseInt(m.group(1)), (int) Long.parseLong(m.group(2), 16),
                        Long.parseUnsignedLong(m.group(3), 16), Long.parseLong(m.group(5), 16), Long.parseLong(m.group(6), 16)));
            }
        }
        return out;
    }

    /** @return an inotify instance's watches, in fdinfo order */
    public List<InotifyEntry> inotifyEntries() {
        List<InotifyEntry> out = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("inotify ")) {
                Matcher m = INOTIFY.matcher(line.trim());
                if (!m.matches()) {
                    throw new IllegalArgumentException("unexpected inotify line: " + line);
                }
                byte[] handle = m.group(7) == null ? new byte[0] : java.util.HexFormat.of().parseHex(m.group(7));
                out.add(new InotifyEntry(Integer.parseInt(m.group(1), 16), Long.parseLong(m.group(2), 16), Long.parseLong(m.group(3), 16),
                        (int) Long.parseLong(m.group(4), 16), m.group(6) == null ? 0 : Integer.parseInt(m.group(6), 16), handle));
            }
        }
        return out;
    }
}
