package io.quiesce.backend.userspace.terminals;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.files.FileTable;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.TerminalsImage;
import io.quiesce.backend.userspace.image.TerminalsImage.PtyImage;
import io.quiesce.backend.userspace.image.TerminalsImage.SessionImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.LibC;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.Tty;
import io.quiesce.backend.userspace.linux.Tty.Termios2;
import io.quiesce.backend.userspace.proc.ProcStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's pseudo-terminals, with {@link Sessions} for its sessions, process groups and controlling terminals.
 *
 * <p>Dump: a master ({@code /dev/ptmx}, device 5:2) and a slave ({@code /dev/pts/N}, device 136:N) are one pair when
 * the master's number (TIOCGPTN) is N and the slave the tracer opens from that master (TIOCGPTPEER) has the same
 * devpts instance (st_dev) and device as the job's slave. Only pairs whose two ends are held by the job are saved;
 * a slave whose master is outside the job (its stdio is another process's terminal), a master whose slave no
 * process of the job holds, and {@code /dev/tty} are refused naming process, descriptor and path: a terminal is
 * never reopened by name, since the same number may belong to another terminal by then. State saved per pair:
 * termios2, window size, packet mode, slave lock, exclusive mode, the bytes queued in both directions (read and
 * written back at once, while the job is stopped: see {@link Pty}), and whose controlling terminal it is.
 *
 * <p>Restore: an injected open of {@code /dev/ptmx} (a new number: ptsname() changes), TIOCSPTLCK 0, one
 * TIOCGPTPEER per saved slave description, in the first process that holds an end; the other ends are parked for
 * the processes that hold them (see FileRestore). State is set from the tracer before anything runs.
 */
public final class Terminals {
    private static final Logger LOG = LoggerFactory.getLogger(Terminals.class);
    private static final int MAX_QUEUE = Pty.PENDING_MAX;

    private final Map<Integer, PtyImage> byShare = new HashMap<>();
    private final List<PtyImage> ptys;
    private final Sessions sessions;

    private Terminals(List<PtyImage> ptys, List<SessionImage> processes) {
        this.ptys = ptys;
        for (PtyImage p : ptys) {
            byShare.put(p.masterShare(), p);
            p.slaveShares().forEach(s -> byShare.put(s, p));
        }
        this.sessions = new Sessions(processes);
    }

    /** @return the image kind of a character device of device number {@code rdev} (glibc's dev_t encoding) */
    public static String kindOf(long rdev) {
        long major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
        if (major == Tty.TTYAUX_MAJOR && minor == Tty.PTMX_MINOR) {
            return FdImage.PTY_MASTER;
        }
        if (major == Tty.TTYAUX_MAJOR && minor == 0) {
            return FdImage.TTY;
        }
        return major == Tty.UNIX98_PTY_SLAVE_MAJOR ? FdImage.PTY_SLAVE : FdImage.CHAR_DEVICE;
    }

    /** The files the dump wrote. */
    public record Dumped(List<String> files, long bytes) {
    }

    private record End(long pid, FdImage fd) {
    }

    /**
     * Pairs, checks and saves the job's terminals and sessions into {@code terminals.json}. Everything is checked
     * before any queue is touched, so a refusal leaves the job as it was.
     *
     * @param pids the frozen processes, root first
     * @param fds  their descriptors numbered by open file description
     * @throws NotSupportedException naming PID, fd and path for a terminal that cannot be restored exactly
     */
    public static Dumped dumpSeized(Path proc, List<Long> pids, Map<Long, List<FdImage>> fds, Path folder) throws CheckpointException {
        Map<Integer, End> masters = new LinkedHashMap<>();
        Map<Integer, List<End>> slaves = new LinkedHashMap<>();
        List<End> ttyFds = new ArrayList<>();
        for (long pid : pids) {
            for (FdImage f : fds.getOrDefault(pid, List.of())) {
                if (FdImage.TTY.equals(f.kind())) {
                    ttyFds.add(new End(pid, f));
                } else if (FdImage.PTY_MASTER.equals(f.kind())) {
                    masters.putIfAbsent(f.share(), new End(pid, f));
                } else if (FdImage.PTY_SLAVE.equals(f.kind())) {
                    slaves.computeIfAbsent(f.share(), k -> new ArrayList<>()).add(new End(pid, f));
                }
            }
        }
        checkControllingTerminalFds(proc, ttyFds);
        if (masters.isEmpty() && slaves.isEmpty()) {
            return write(folder, List.of(), Sessions.dump(proc, pids, List.of()));
        }
        Map<Integer, long[]> slaveDevices = new HashMap<>(); // share -> {st_dev, st_rdev}
        for (Map.Entry<Integer, List<End>> e : slaves.entrySet()) {
            End s = e.getValue().get(0);
            Path link = proc.resolve(s.pid() + "/fd/" + s.fd().fd());
            try {
                slaveDevices.put(e.getKey(), new long[] { (Long) Files.getAttribute(link, "unix:dev"),
                        (Long) Files.getAttribute(link, "unix:rdev") });
            } catch (IOException ex) {
                throw new CheckpointException("cannot stat " + link + ": " + ex.getMessage(), s.pid(), null, link, ex);
            }
        }
        record Pair(End master, int index, List<Integer> slaveShares) {
        }
        List<Pair> pairs = new ArrayList<>();
        List<Integer> paired = new ArrayList<>();
        for (End m : masters.values()) {
            int index = Pty.index(m.pid(), m.fd().fd());
            // open a slave of our own only when the job holds one of this number: closing it is then not the last close
            boolean candidate = slaveDevices.values().stream().anyMatch(d -> minor(d[1]) == index);
            List<Integer> mine = new ArrayList<>();
            if (candidate) {
                try (Pty pty = Pty.open(m.pid(), m.fd().fd())) {
                    long[] dev = pty.slaveDevice();
                    slaveDevices.forEach((share, d) -> {
                        if (d[0] == dev[0] && d[1] == dev[1]) {
                            mine.add(share);
                        }
                    });
                }
            }
            if (mine.isEmpty()) {
                throw new NotSupportedException(String.format("process %d fd %d (%s, pseudo-terminal %d): no process of the job "
                        + "holds its slave /dev/pts/%d (a terminal whose other end is outside the job, or closed, cannot be "
                        + "restored)", m.pid(), m.fd().fd(), m.fd().path(), index, index));
            }
            paired.addAll(mine);
            pairs.add(new Pair(m, index, mine));
        }
        for (Map.Entry<Integer, List<End>> e : slaves.entrySet()) {
            if (!paired.contains(e.getKey())) {
                End s = e.getValue().get(0);
                throw new NotSupportedException(String.format("process %d fd %d (%s): the master of this terminal is not held by "
                        + "any process of the job (its terminal belongs to a process outside the job, e.g. a shell's or an "
                        + "emulator's); a terminal is never reopened by name, since that number may be another terminal by then",
                        s.pid(), s.fd().fd(), s.fd().path()));
            }
        }
        // state, and the checks that need it, before any queue is read
        record State(Pair pair, Termios2 termios, Tty.Winsize winsize, boolean packet, boolean locked, boolean exclusive,
                long[] session) {
        }
        List<State> states = new ArrayList<>();
        for (Pair p : pairs) {
            try (Pty pty = Pty.open(p.master().pid(), p.master().fd().fd())) {
                states.add(new State(p, pty.termios(), pty.winsize(), pty.get(Tty.TIOCGPKT, "TIOCGPKT", false) != 0,
                        pty.get(Tty.TIOCGPTLCK, "TIOCGPTLCK", false) != 0, pty.get(Tty.TIOCGEXCL, "TIOCGEXCL", true) != 0,
                        pty.session()));
            }
        }
        List<Sessions.Terminal> ttys = new ArrayList<>();
        for (State s : states) {
            ttys.add(new Sessions.Terminal(s.pair().index(), s.session()[0], s.session()[1],
                    String.format("/dev/pts/%d (master at process %d fd %d)", s.pair().index(), s.pair().master().pid(),
                            s.pair().master().fd().fd()), holders(slaves, s.pair().slaveShares())));
        }
        List<SessionImage> processes = Sessions.dump(proc, pids, ttys);
        List<PtyImage> images = new ArrayList<>();
        for (State s : states) {
            End m = s.pair().master();
            String where = String.format("process %d fd %d (pseudo-terminal %d)", m.pid(), m.fd().fd(), s.pair().index());
            byte[] toMaster;
            byte[] toSlave;
            try (Pty pty = Pty.open(m.pid(), m.fd().fd())) {
                toMaster = pty.takeToMaster(s.packet());
                toSlave = pty.takeToSlave(s.termios(), where);
                // written back at once: the job, still stopped, finds its terminal as it was
                pty.refill(s.termios(), toSlave, toMaster);
            }
            List<Integer> flags = new ArrayList<>();
            for (int share : s.pair().slaveShares()) {
                flags.add(slaves.get(share).get(0).fd().flags());
            }
            Tty.Winsize w = s.winsize();
            w.write();
            images.add(new PtyImage(m.fd().share(), s.pair().slaveShares().get(0), s.pair().index(), m.fd().path(), m.fd().flags(),
                    s.pair().slaveShares(), flags, s.termios().bytes(), w.getPointer().getByteArray(0, 8), s.packet(), s.locked(),
                    s.exclusive(), toSlave, toMaster, s.session()[0], s.session()[1]));
            LOG.info("{} saved: {} bytes queued to the slave, {} to the master, controlling terminal of session {}", where,
                    toSlave.length, toMaster.length, s.session()[0]);
        }
        return write(folder, images, processes);
    }

    /**
     * A descriptor of /dev/tty reaches the controlling terminal it was opened under; it is reopened as /dev/tty once
     * the process has its controlling terminal back, which is exact only when that is still the same terminal (a
     * slave of a pair the job holds: checked with {@link Sessions}).
     */
    private static void checkControllingTerminalFds(Path proc, List<End> ttyFds) throws CheckpointException {
        for (End e : ttyFds) {
            int dup = Pty.take(e.pid(), e.fd().fd());
            int[] dev = new int[1];
            int rc;
            try {
                rc = Tty.INSTANCE.ioctl(dup, Tty.TIOCGDEV, dev);
            } finally {
                LibC.INSTANCE.close(dup);
            }
            int ttyNr;
            try {
                ttyNr = ProcStat.read(proc, e.pid()).ttyNr();
            } catch (IOException | RuntimeException ex) {
                throw new CheckpointException("cannot read /proc/" + e.pid() + "/stat: " + ex.getMessage(), e.pid(), null, null, ex);
            }
            if (rc < 0 || dev[0] != ttyNr || ttyNr == 0) {
                throw new NotSupportedException(String.format("process %d fd %d (/dev/tty): it reaches a terminal (device %s) that "
                        + "is not the process's controlling terminal now, so reopening /dev/tty would not give it back", e.pid(),
                        e.fd().fd(), rc < 0 ? "unknown" : ((dev[0] >> 8) & 0xfff) + ":" + ((dev[0] & 0xff) | ((dev[0] >> 12) & 0xfff00))));
            }
        }
    }

    private static java.util.Set<Long> holders(Map<Integer, List<End>> slaves, List<Integer> shares) {
        java.util.Set<Long> pids = new java.util.HashSet<>();
        shares.forEach(sh -> slaves.get(sh).forEach(e -> pids.add(e.pid())));
        return pids;
    }

    private static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
    }

    private static Dumped write(Path folder, List<PtyImage> ptys, List<SessionImage> processes) throws CheckpointException {
        Path file = folder.resolve(TerminalsImage.FILE);
        try {
            long bytes = ImageFiles.writeJson(file, new TerminalsImage(TerminalsImage.MAGIC, ImageFiles.VERSION, ptys, processes));
            return new Dumped(List.of(TerminalsImage.FILE), bytes);
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": " + e.getMessage(), -1, null, file, e);
        }
    }

    /** @return no terminals and no sessions (an image written before terminals were saved) */
    public static Terminals none() {
        return new Terminals(List.of(), List.of());
    }

    /**
     * Reads and checks {@code terminals.json}, before any process exists.
     *
     * @throws ImageException naming the file for a bad path, size or structure
     */
    public static Terminals read(Path folder) throws ImageException {
        Path file = folder.resolve(TerminalsImage.FILE);
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return none();
        }
        TerminalsImage t = ImageFiles.read(file, TerminalsImage.MAGIC, TerminalsImage.class);
        List<PtyImage> ptys = t.ptys() == null ? List.of() : t.ptys();
        for (PtyImage p : ptys) {
            if (!"/dev/ptmx".equals(p.masterPath()) && !"/dev/pts/ptmx".equals(p.masterPath())) {
                throw new ImageException("pseudo-terminal " + p.index() + ": master path " + p.masterPath() + " is not /dev/ptmx",
                        file);
            }
            if (p.termios() == null || p.termios().length != Termios2.SIZE || p.winsize() == null || p.winsize().length != 8
                    || p.slaveShares() == null || p.slaveShares().isEmpty() || p.slaveFlags() == null
                    || p.slaveFlags().size() != p.slaveShares().size() || p.toSlave() == null || p.toSlave().length > MAX_QUEUE
                    || p.toMaster() == null || p.toMaster().length > MAX_QUEUE) {
                throw new ImageException("pseudo-terminal " + p.index() + " is malformed (termios, window size, shares or queues)",
                        file);
            }
        }
        return new Terminals(ptys, t.processes() == null ? List.of() : t.processes());
    }

    /** An end of a restored pair left open in the creating process for another process to take over. */
    public record Parked(int share, int fd) {
    }

    /** @return true for a descriptor restored here */
    public static boolean handles(FdImage f) {
        return FdImage.PTY_MASTER.equals(f.kind()) || FdImage.PTY_SLAVE.equals(f.kind());
    }

    /**
     * Creates the pair of descriptor {@code f} in the rebuilt process {@code pid} (host PID), sets its state from the
     * tracer, places {@code f} at its saved number and parks the pair's other descriptions at or above
     * {@code parkBase}.
     *
     * @return the parked descriptions, for the caller's file table
     */
    public List<Parked> createPairSeized(SyscallInjector inj, long pid, FdImage f, int parkBase) throws CheckpointException {
        PtyImage p = byShare.get(f.share());
        if (p == null) {
            throw new ImageException("process " + pid + " fd " + f.fd() + " is a pseudo-terminal end " + TerminalsImage.FILE
                    + " does not list", null);
        }
        String what = "pseudo-terminal " + p.index() + " for fd " + f.fd();
        int m = (int) inj.check("open of " + p.masterPath() + " for " + what, Syscalls.OPEN, inj.putPath(p.masterPath()),
                LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0);
        inj.put(SyscallInjector.STRUCT, new byte[4]);
        inj.check("unlockpt (TIOCSPTLCK) of " + what, Tty.SYS_IOCTL, m, Tty.TIOCSPTLCK, inj.scratch() + SyscallInjector.STRUCT);
        inj.check("fcntl(F_SETFL) of the master of " + what, Syscalls.FCNTL, m, Syscalls.F_SETFL, p.masterFlags());
        Map<Integer, Integer> ends = new LinkedHashMap<>();
        ends.put(p.masterShare(), m);
        for (int i = 0; i < p.slaveShares().size(); i++) {
            int flags = p.slaveFlags().get(i);
            int s = (int) inj.check("TIOCGPTPEER of " + what, Tty.SYS_IOCTL, m, Tty.TIOCGPTPEER,
                    flags & LibC.O_ACCMODE | LibC.O_NOCTTY | LibC.O_CLOEXEC);
            inj.check("fcntl(F_SETFL) of the slave of " + what, Syscalls.FCNTL, s, Syscalls.F_SETFL, flags);
            ends.put(p.slaveShares().get(i), s);
        }
        try (Pty pty = Pty.open(pid, m)) {
            Termios2 saved = Termios2.of(p.termios());
            pty.termios(saved);
            Tty.Winsize w = new Tty.Winsize();
            w.getPointer().write(0, p.winsize(), 0, 8);
            w.read();
            pty.winsize(w);
            pty.refill(saved, p.toSlave(), p.toMaster());
            pty.modes(p.packet(), p.exclusive(), p.locked());
        }
        List<Parked> parked = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : ends.entrySet()) {
            if (e.getKey() != f.share()) {
                int at = (int) inj.check("parking an end of " + what, Syscalls.FCNTL, e.getValue(), Syscalls.F_DUPFD_CLOEXEC, parkBase);
                inj.call(Syscalls.CLOSE, e.getValue());
                parked.add(new Parked(e.getKey(), at));
            }
        }
        int mine = ends.get(f.share());
        if (mine != f.fd()) {
            inj.check("dup2 to fd " + f.fd(), Syscalls.DUP2, mine, f.fd());
            inj.call(Syscalls.CLOSE, mine);
        }
        LOG.info("process {}: {} restored ({} bytes queued to the slave, {} to the master)", pid, what, p.toSlave().length,
                p.toMaster().length);
        return parked;
    }

    /**
     * Hook for each rebuilt process once it has its descriptors, before its children are forked: makes it a session
     * leader again if it was one, with its controlling terminal, so the children it forks inherit both.
     */
    public void sessionSeized(SyscallInjector inj, long savedPid, long pid, long nsPid, List<FdImage> fds, FileTable table)
            throws CheckpointException {
        sessions.sessionSeized(inj, savedPid, pid, nsPid);
        for (PtyImage p : ptys) {
            if (p.session() == savedPid) {
                // before the leader forks: a controlling terminal is inherited at fork, not shared with the session later
                sessions.acquireSeized(inj, p, table);
            }
        }
        for (FdImage f : fds) {
            if (FdImage.TTY.equals(f.kind())) {
                reopenTtySeized(inj, pid, nsPid, f, table);
            }
        }
    }

    /** Puts a /dev/tty descriptor back: taken over when another process holds its description, else opened anew. */
    private static void reopenTtySeized(SyscallInjector inj, long pid, long nsPid, FdImage f, FileTable table) throws CheckpointException {
        FileTable.Holder h = table.holder(f.share());
        long tmp;
        if (h != null && h.pid() == pid) {
            tmp = inj.check("dup of fd " + h.fd(), Syscalls.FCNTL, h.fd(), Syscalls.F_DUPFD_CLOEXEC, 0);
        } else if (h != null) {
            tmp = inj.takeFdSeized(h.nsPid(), h.fd());
        } else {
            int flags = f.flags() & ~(LibC.O_CREAT | LibC.O_TRUNC | LibC.O_EXCL | LibC.O_CLOEXEC) | LibC.O_NOCTTY;
            tmp = inj.call(Syscalls.OPEN, inj.putPath("/dev/tty"), flags, 0);
        }
        if (tmp < 0) {
            throw new CheckpointException(String.format("cannot reopen fd %d of process %d (/dev/tty): %s", f.fd(), pid,
                    io.quiesce.api.Errno.name(tmp)), pid, io.quiesce.api.Errno.name(tmp), null, null);
        }
        if (tmp != f.fd()) {
            inj.check("dup2 to fd " + f.fd(), Syscalls.DUP2, tmp, f.fd());
            inj.call(Syscalls.CLOSE, tmp);
        }
        table.hold(f.share(), pid, nsPid, f.fd());
        inj.check("fcntl(F_SETFD) of fd " + f.fd(), Syscalls.FCNTL, f.fd(), Syscalls.F_SETFD,
                (f.flags() & LibC.O_CLOEXEC) != 0 ? Syscalls.FD_CLOEXEC : 0);
    }

    /**
     * Hook once every process has its descriptors and before any is completed: process groups, then each
     * terminal's foreground group.
     *
     * @param injectors the rebuilt processes by saved PID
     */
    public void finishSeized(Map<Long, SyscallInjector> injectors, FileTable table) throws CheckpointException {
        sessions.groupsSeized(injectors);
        for (PtyImage p : ptys) {
            if (p.session() != 0) {
                sessions.foregroundSeized(injectors, p, table);
            }
        }
    }
}
