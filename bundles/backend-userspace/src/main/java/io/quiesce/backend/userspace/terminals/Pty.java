package io.quiesce.backend.userspace.terminals;

import com.sun.jna.Native;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.Tty;
import io.quiesce.backend.userspace.linux.Tty.Termios2;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * One pseudo-terminal pair, handled from the tracer through two descriptors of its own: a duplicate of a master
 * descriptor of a stopped process (pidfd_getfd(2): the same open file description) and a slave opened from that
 * master with TIOCGPTPEER (a new open file description, non-blocking, no controlling terminal), so no path is
 * ever opened and nothing the job's descriptors hold (their status flags) is touched.
 *
 * <p>Queued bytes are read by consuming them and are written back at once, while the job is still stopped, so the
 * pair ends as it was: the master's read queue is taken with FIONREAD-sized reads (poll(2) first: it runs the
 * kernel's pending receive work when nothing is readable), and the slave's input queue through the non-blocking
 * slave. Bytes go back through the other end with the processing of their direction switched off for the time
 * (OPOST for output; echo, signals, input conversions and special characters for input).
 */
final class Pty implements AutoCloseable {
    private static final int EAGAIN = 11, EIO = 5;
    private static final long SETTLE_TIMEOUT_MS = 2000;
    /** N_TTY_BUF_SIZE: the n_tty line discipline's buffer, of which it fills at most all but one byte. */
    static final int QUEUE_MAX = 4096;
    /**
     * Bound on the bytes one direction can hold: the line discipline's buffer plus the kernel's flip buffers in front
     * of it (about 18 KB were accepted here), with margin.
     */
    static final int PENDING_MAX = 64 << 10;

    final int master;
    final int slave;
    private final String what;

    private Pty(int master, int slave, String what) {
        this.master = master;
        this.slave = slave;
        this.what = what;
    }

    /** @return the master's pseudo-terminal number, from a duplicate of {@code fd} of {@code pid} */
    static int index(long pid, int fd) throws CheckpointException {
        int m = take(pid, fd);
        try {
            int[] n = new int[1];
            check(Tty.INSTANCE.ioctl(m, Tty.TIOCGPTN, n), "TIOCGPTN", "process " + pid + " fd " + fd);
            return n[0];
        } finally {
            LibC.INSTANCE.close(m);
        }
    }

    /**
     * Opens the pair of the master {@code fd} of the stopped process {@code pid}. A locked slave (TIOCSPTLCK) is
     * unlocked for the open and locked again.
     */
    static Pty open(long pid, int fd) throws CheckpointException {
        String what = "the pseudo-terminal master at process " + pid + " fd " + fd;
        int m = take(pid, fd);
        try {
            int[] lock = new int[1];
            check(Tty.INSTANCE.ioctl(m, Tty.TIOCGPTLCK, lock), "TIOCGPTLCK", what);
            if (lock[0] != 0) {
                check(Tty.INSTANCE.ioctl(m, Tty.TIOCSPTLCK, new int[] { 0 }), "TIOCSPTLCK", what);
            }
            int s = Tty.INSTANCE.ioctl(m, Tty.TIOCGPTPEER, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
            int errno = Native.getLastError();
            if (lock[0] != 0) {
                check(Tty.INSTANCE.ioctl(m, Tty.TIOCSPTLCK, lock), "TIOCSPTLCK", what);
            }
            if (s < 0) {
                String name = Errno.name(errno);
                throw new NotSupportedException(what + ": its slave cannot be opened (TIOCGPTPEER: " + name + ")"
                        + (errno == 16 ? ": the terminal is in exclusive mode (TIOCEXCL)" : ""));
            }
            return new Pty(m, s, what);
        } catch (CheckpointException | RuntimeException e) {
            LibC.INSTANCE.close(m);
            throw e;
        }
    }

    /** @return st_dev and st_rdev of this pair's slave: the devpts instance and the terminal's device number */
    long[] slaveDevice() throws CheckpointException {
        Path self = Path.of("/proc/self/fd/" + slave);
        try {
            return new long[] { (Long) Files.getAttribute(self, "unix:dev"), (Long) Files.getAttribute(self, "unix:rdev") };
        } catch (IOException e) {
            throw new CheckpointException("cannot stat the slave of " + what + ": " + e.getMessage(), e);
        }
    }

    Termios2 termios() throws CheckpointException {
        Termios2 t = new Termios2();
        check(Tty.INSTANCE.ioctl(master, Tty.TCGETS2, t), "TCGETS2", what);
        return t;
    }

    void termios(Termios2 t) throws CheckpointException {
        check(Tty.INSTANCE.ioctl(master, Tty.TCSETS2, t), "TCSETS2", what);
    }

    Tty.Winsize winsize() throws CheckpointException {
        Tty.Winsize w = new Tty.Winsize();
        check(Tty.INSTANCE.ioctl(master, Tty.TIOCGWINSZ, w), "TIOCGWINSZ", what);
        return w;
    }

    void winsize(Tty.Winsize w) throws CheckpointException {
        check(Tty.INSTANCE.ioctl(master, Tty.TIOCSWINSZ, w), "TIOCSWINSZ", what);
    }

    /** @return the value of a get-request that fills one int, on the master or the slave */
    int get(long request, String name, boolean onSlave) throws CheckpointException {
        int[] v = new int[1];
        check(Tty.INSTANCE.ioctl(onSlave ? slave : master, request, v), name, what);
        return v[0];
    }

    /** Sets packet mode, the slave lock and exclusive mode as saved; last, since a locked slave cannot be opened. */
    void modes(boolean packet, boolean exclusive, boolean locked) throws CheckpointException {
        check(Tty.INSTANCE.ioctl(master, Tty.TIOCPKT, new int[] { packet ? 1 : 0 }), "TIOCPKT", what);
        check(Tty.INSTANCE.ioctl(slave, exclusive ? Tty.TIOCEXCL : Tty.TIOCNXCL, 0), "TIOCEXCL", what);
        check(Tty.INSTANCE.ioctl(master, Tty.TIOCSPTLCK, new int[] { locked ? 1 : 0 }), "TIOCSPTLCK", what);
    }

    /**
     * @return the controlling session (TIOCGSID) and foreground process group (TIOCGPGRP) of the terminal, as this
     *         JVM's PID namespace sees them; 0 for none
     */
    long[] session() throws CheckpointException {
        int[] v = new int[1];
        long sid = Tty.INSTANCE.ioctl(master, Tty.TIOCGSID, v) < 0 ? 0 : v[0]; // ENOTTY: no session has it
        long pgrp = Tty.INSTANCE.ioctl(master, Tty.TIOCGPGRP, v) < 0 ? 0 : v[0];
        return new long[] { sid, pgrp };
    }

    /**
     * Takes every byte the master has not read (the slave's output and echoes). In packet mode the bytes come
     * without packet headers: packet mode is switched off for the reads, which is only exact with no control status
     * pending (checked: poll's POLLPRI), since switching it on again clears that status.
     */
    byte[] takeToMaster(boolean packet) throws CheckpointException {
        if (packet) {
            if ((poll(master) & 2) != 0) {
                throw new NotSupportedException(what + ": a packet-mode control status (TIOCPKT) is pending unread");
            }
            check(Tty.INSTANCE.ioctl(master, Tty.TIOCPKT, new int[] { 0 }), "TIOCPKT", what);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            poll(master); // runs pending receive work when nothing is readable yet
            int n = get(Tty.FIONREAD, "FIONREAD", false);
            if (n <= 0) {
                break;
            }
            byte[] b = new byte[n];
            long r = LibC.INSTANCE.read(master, b, n); // n are readable and VMIN of a master is 1: no blocking
            check(r, "read", what);
            out.write(b, 0, (int) r);
            if (out.size() > PENDING_MAX) {
                throw new CheckpointException(what + ": more than " + 4 * QUEUE_MAX + " bytes queued: the job is not stopped");
            }
        }
        if (packet) {
            check(Tty.INSTANCE.ioctl(master, Tty.TIOCPKT, new int[] { 1 }), "TIOCPKT", what);
        }
        return out.toByteArray();
    }

    /**
     * Takes the slave's unread input. In canonical mode only a partly typed line is supported: complete lines
     * waiting unread are refused (before anything is taken: poll reports them without consuming); the partial
     * line, which no read can see in canonical mode, is taken with ICANON switched off for the read. With its
     * input buffer empty, switching ICANON back on leaves the line discipline as before, except the state of a
     * pending literal-next (^V) or ECHOPRT erase display.
     */
    byte[] takeToSlave(Termios2 saved, String where) throws CheckpointException {
        boolean canonical = (saved.lflag & Tty.ICANON) != 0;
        if (canonical) {
            if ((poll(slave) & Tty.POLLIN) != 0) {
                throw new NotSupportedException(where + ": " + get(Tty.FIONREAD, "FIONREAD", true) + " bytes of complete input "
                        + "lines wait unread on the terminal in canonical mode (only a partly typed line can be kept)");
            }
            if ((saved.lflag & Tty.EXTPROC) != 0) {
                throw new NotSupportedException(where + ": the terminal is in EXTPROC mode with canonical input");
            }
            Termios2 raw = saved.copy();
            raw.lflag &= ~Tty.ICANON;
            termios(raw);
        } else if ((poll(slave) & Tty.POLLIN) != 0 && get(Tty.FIONREAD, "FIONREAD", true) >= QUEUE_MAX - 1 && processes(saved)) {
            // a full buffer may have more bytes waiting in front of it, not yet processed; written back, they would be
            // processed twice (echoed, converted) unless the saved modes do nothing to input
            throw new NotSupportedException(where + ": its input queue is full (" + (QUEUE_MAX - 1) + " bytes unread) while "
                    + "its modes process input (echo, signals or conversions)");
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] b = new byte[QUEUE_MAX];
            while (true) {
                long r = LibC.INSTANCE.read(slave, b, b.length);
                if (r < 0 && Native.getLastError() == EAGAIN || r == 0) {
                    break;
                }
                check(r, "read", what);
                out.write(b, 0, (int) r);
                if (out.size() > PENDING_MAX) {
                    throw new CheckpointException(what + ": more than " + 4 * QUEUE_MAX + " bytes queued: the job is not stopped");
                }
            }
            return out.toByteArray();
        } finally {
            if (canonical) {
                termios(saved);
            }
        }
    }

    /** @return true when the line discipline changes or answers input under {@code t} (echo, signals, conversions) */
    private static boolean processes(Termios2 t) {
        int iflagConversions = 0000040 | 0000100 | 0000200 | 0000400 | 0001000 | 0002000; // ISTRIP INLCR IGNCR ICRNL IUCLC IXON
        return (t.lflag & (Tty.ECHO | Tty.ECHONL | Tty.ISIG | Tty.ICANON | Tty.IEXTEN)) != 0 || (t.iflag & iflagConversions) != 0;
    }

    /** @return a reason why {@code toSlave} cannot be written back exactly under {@code saved}, or null */
    static String unrefillable(Termios2 saved, byte[] toSlave) {
        if ((saved.iflag & Tty.IXON) != 0) {
            for (byte c : toSlave) {
                if (c == saved.cc[Tty.VSTART] || c == saved.cc[Tty.VSTOP]) {
                    return "its unread input holds the flow-control character " + (c & 0xff) + " (IXON)";
                }
            }
        }
        if ((saved.lflag & Tty.ICANON) != 0 && free(toSlave) < 0) {
            return "its partly typed line uses every byte value";
        }
        return null;
    }

    /** Writes queued bytes back into the terminal, then sets {@code saved} again. */
    void refill(Termios2 saved, byte[] toSlave, byte[] toMaster) throws CheckpointException {
        if (toMaster.length > 0) {
            // output processing runs in the writer's context: OPOST can be restored as soon as write returns
            Termios2 t = saved.copy();
            t.oflag &= ~Tty.OPOST;
            termios(t);
            writeAll(slave, toMaster);
            termios(saved);
            settle(false, toMaster.length);
        }
        if (toSlave.length > 0) {
            String why = unrefillable(saved, toSlave);
            if (why != null) {
                throw new CheckpointException(what + ": " + why);
            }
            boolean canonical = (saved.lflag & Tty.ICANON) != 0;
            Termios2 t = saved.copy();
            t.lflag &= ~(Tty.ECHO | Tty.ECHOE | Tty.ECHOK | Tty.ECHONL | Tty.ISIG | Tty.IEXTEN);
            t.iflag &= Tty.IXON | Tty.IXOFF; // no conversions; flow control kept, so packet mode sees no change
            if (canonical) {
                byte unused = (byte) free(toSlave);
                for (int i : new int[] { Tty.VERASE, Tty.VKILL, Tty.VEOF, Tty.VEOL, Tty.VEOL2, Tty.VWERASE, Tty.VREPRINT, Tty.VLNEXT }) {
                    t.cc[i] = unused;
                }
            }
            termios(t);
            // the master is the job's own open file description: made non-blocking only for this write, so the
            // tracer never blocks on it; the job, stopped, cannot see the difference
            int flags = (int) check(LibC.INSTANCE.fcntl(master, 3, 0), "fcntl(F_GETFL)", what);
            check(LibC.INSTANCE.fcntl(master, Syscalls.F_SETFL, flags | LibC.O_NONBLOCK), "fcntl(F_SETFL)", what);
            try {
                writeAll(master, toSlave);
            } finally {
                check(LibC.INSTANCE.fcntl(master, Syscalls.F_SETFL, flags), "fcntl(F_SETFL)", what);
            }
            if (canonical) {
                // a read finding no complete line first waits for the receive work: then the bytes are in the buffer
                long r = LibC.INSTANCE.read(slave, new byte[1], 1);
                if (r >= 0 || Native.getLastError() != EAGAIN) {
                    throw new CheckpointException(what + ": writing back its partly typed line made input readable");
                }
            } else {
                settle(true, toSlave.length);
            }
            termios(saved);
        }
    }

    /** @return a byte value other than NUL and newline that {@code b} does not hold, or -1 */
    private static int free(byte[] b) {
        Set<Integer> used = new HashSet<>();
        for (byte c : b) {
            used.add(c & 0xff);
        }
        for (int v = 1; v < 256; v++) {
            if (v != '\n' && !used.contains(v)) {
                return v;
            }
        }
        return -1;
    }

    /** Waits until the receiving line discipline holds {@code n} bytes (the kernel moves them in a work item). */
    private void settle(boolean onSlave, int n) throws CheckpointException {
        long deadline = System.currentTimeMillis() + SETTLE_TIMEOUT_MS;
        while (true) {
            poll(onSlave ? slave : master);
            int have = get(Tty.FIONREAD, "FIONREAD", onSlave);
            // what the buffer cannot hold waits in front of it, as it did (checked at dump for the slave's input)
            int want = Math.min(n, QUEUE_MAX - 1);
            if (have == want) {
                return;
            }
            if (have > want || System.currentTimeMillis() > deadline) {
                throw new CheckpointException(what + ": " + have + " bytes queued after writing back " + n);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CheckpointException("interrupted while writing back " + what, e);
            }
        }
    }

    private void writeAll(int fd, byte[] bytes) throws CheckpointException {
        int done = 0;
        while (done < bytes.length) {
            byte[] rest = java.util.Arrays.copyOfRange(bytes, done, bytes.length);
            long w = LibC.INSTANCE.write(fd, rest, rest.length);
            if (w < 0 && Native.getLastError() == EAGAIN) {
                // the kernel moves bytes from its flip buffers into the line discipline in a work item: wait for room
                int[] p = { fd, 4 }; // POLLOUT
                if (Tty.INSTANCE.poll(p, 1, (int) SETTLE_TIMEOUT_MS) <= 0) {
                    throw new CheckpointException(what + ": no room to write back " + (bytes.length - done) + " of " + bytes.length
                            + " queued bytes");
                }
                continue;
            }
            check(w <= 0 ? -1 : w, "write of " + bytes.length + " queued bytes", what);
            done += (int) w;
        }
    }

    /** @return the revents of a zero-timeout poll for input */
    private static int poll(int fd) {
        int[] p = { fd, Tty.POLLIN | 2 }; // POLLPRI: packet-mode status
        return Tty.INSTANCE.poll(p, 1, 0) > 0 ? p[1] >>> 16 : 0;
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(slave);
        LibC.INSTANCE.close(master);
    }

    /** @return a descriptor of this JVM for the open file description {@code fd} of {@code pid} */
    static int take(long pid, int fd) throws CheckpointException {
        String what = "process " + pid + " fd " + fd;
        int pidfd = (int) check(LibC.INSTANCE.syscall(Syscalls.PIDFD_OPEN, pid, 0, 0), "pidfd_open", what);
        try {
            return (int) check(LibC.INSTANCE.syscall(Syscalls.PIDFD_GETFD, pidfd, fd, 0), "pidfd_getfd", what);
        } finally {
            LibC.INSTANCE.close(pidfd);
        }
    }

    private static long check(long rc, String call, String what) throws CheckpointException {
        if (rc < 0) {
            String errno = Errno.name(Native.getLastError());
            throw new CheckpointException(call + " on " + what + " failed: " + errno, -1, errno, null, null);
        }
        return rc;
    }
}
