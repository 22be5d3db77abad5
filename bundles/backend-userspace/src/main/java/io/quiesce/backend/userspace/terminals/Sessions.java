package io.quiesce.backend.userspace.terminals;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.files.FileTable;
import io.quiesce.backend.userspace.image.TerminalsImage.PtyImage;
import io.quiesce.backend.userspace.image.TerminalsImage.SessionImage;
import io.quiesce.backend.userspace.inject.SyscallInjector;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.linux.Tty;
import io.quiesce.backend.userspace.proc.ProcStat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sessions, process groups and controlling terminals of the job's processes.
 *
 * <p>A session or group whose id is a process of the job is recreated: the session leader calls setsid() as soon
 * as it is rebuilt and takes its controlling terminal back (TIOCSCTTY), before it forks its children (who then
 * inherit session and terminal), and once every process is rebuilt group leaders call setpgid(0, 0), members
 * setpgid(0, leader), and each leader sets its terminal's foreground group, with the leaders' restored PIDs. A
 * session or group outside the job (the launcher's, which the job root was started in) is left as the restore gives
 * it: the restored root starts in a session of its own, as at launch. A session or group whose leader has ended (its
 * id cannot be had back) and a process in a job session that is not descended from its leader (it could not inherit
 * it) are refused at dump when the session has a terminal, and otherwise only logged; refused always: a controlling
 * terminal that is not a pair the job holds, a terminal of a session outside the job or whose leader and its
 * ancestors hold no slave, and a foreground group with no process in the job.
 */
final class Sessions {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sessions.class);

    /**
     * A saved terminal as far as sessions care: its number, its session and foreground group (0 = none), and the
     * processes holding its slave.
     */
    record Terminal(int index, long session, long foreground, String what, java.util.Set<Long> slaveHolders) {
    }

    private final List<SessionImage> processes;
    private final Map<Long, SessionImage> bySaved = new HashMap<>();
    private final Map<Long, Long> hostPids = new HashMap<>();
    private final Map<Long, Long> nsPids = new HashMap<>();

    Sessions(List<SessionImage> processes) {
        this.processes = processes;
        processes.forEach(s -> bySaved.put(s.pid(), s));
    }

    /**
     * @param pids the frozen processes, root first
     * @param ttys the job's terminals
     * @return each process's session and group
     * @throws NotSupportedException for what cannot be recreated
     */
    static List<SessionImage> dump(Path proc, List<Long> pids, List<Terminal> ttys) throws CheckpointException {
        Map<Long, ProcStat> stats = new LinkedHashMap<>();
        for (long pid : pids) {
            try {
                stats.put(pid, ProcStat.read(proc, pid));
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException("cannot read /proc/" + pid + "/stat: " + e.getMessage(), pid, null, null, e);
            }
        }
        ProcStat root = stats.get(pids.get(0));
        List<SessionImage> out = new ArrayList<>();
        for (ProcStat s : stats.values()) {
            long pid = s.pid();
            String problem = null;
            if (!stats.containsKey(s.session()) && s.session() != root.session()) {
                problem = String.format("process %d is in session %d, whose leader is not in the job (it has ended or is "
                        + "outside): a session cannot be recreated without its leader", pid, s.session());
            } else if (!stats.containsKey(s.pgrp()) && s.pgrp() != root.pgrp()) {
                problem = String.format("process %d is in process group %d, whose leader is not in the job (it has ended or is "
                        + "outside): the group cannot be recreated under its id", pid, s.pgrp());
            } else if (stats.containsKey(s.session()) && s.session() != pid && !descends(stats, pid, s.session())) {
                problem = String.format("process %d is in session %d but does not descend from that session's leader in the "
                        + "job, so it cannot be put back in it", pid, s.session());
            }
            if (problem != null) {
                // only a session with a terminal depends on it (job control, hangups): refused there, reported elsewhere
                if (s.ttyNr() != 0 || ttys.stream().anyMatch(t -> t.session() == s.session())) {
                    throw new NotSupportedException(problem);
                }
                LOG.warn("{}; it has no terminal, so the checkpoint goes on and it is restored in its parent's session", problem);
            }
            if (s.ttyNr() != 0) {
                int major = (s.ttyNr() >> 8) & 0xfff;
                int minor = (s.ttyNr() & 0xff) | ((s.ttyNr() >> 12) & 0xfff00);
                boolean ours = major == Tty.UNIX98_PTY_SLAVE_MAJOR
                        && ttys.stream().anyMatch(t -> t.index() == minor && t.session() == s.session());
                if (!ours) {
                    throw new NotSupportedException(String.format("process %d has a controlling terminal (device %d:%d%s) whose two "
                            + "ends are not held by the job", pid, major, minor, major == Tty.UNIX98_PTY_SLAVE_MAJOR ? ", /dev/pts/"
                                    + minor : ""));
                }
            }
            out.add(new SessionImage(pid, s.session(), s.pgrp()));
        }
        for (Terminal t : ttys) {
            if (t.session() != 0 && !stats.containsKey(t.session())) {
                throw new NotSupportedException(t.what() + " is the controlling terminal of session " + t.session()
                        + ", which is outside the job");
            }
            if (t.session() != 0 && !t.slaveHolders().contains(t.session())
                    && t.slaveHolders().stream().noneMatch(h -> descends(stats, t.session(), h))) {
                // the leader takes its terminal back before it forks, from a process rebuilt before it
                throw new NotSupportedException(t.what() + ": neither its session leader " + t.session() + " nor an ancestor of it "
                        + "in the job holds a descriptor of its slave");
            }
            if (t.session() != 0 && t.foreground() != 0 && stats.values().stream().noneMatch(s -> s.pgrp() == t.foreground())) {
                throw new NotSupportedException(t.what() + ": its foreground process group " + t.foreground()
                        + " has no process in the job");
            }
        }
        return out;
    }

    private static boolean descends(Map<Long, ProcStat> stats, long pid, long ancestor) {
        for (ProcStat s = stats.get(pid); s != null; s = stats.get(s.ppid())) {
            if (s.ppid() == ancestor) {
                return true;
            }
        }
        return false;
    }

    void sessionSeized(SyscallInjector inj, long savedPid, long pid, long nsPid) throws CheckpointException {
        hostPids.put(savedPid, pid);
        nsPids.put(savedPid, nsPid);
        SessionImage s = bySaved.get(savedPid);
        if (s != null && s.sid() == savedPid && inj.call(Tty.SYS_SETSID) < 0 && inj.call(Tty.SYS_GETSID, 0) != nsPid) {
            // EPERM is fine only for a process that leads its session already (a stub started in a session of its own)
            throw new CheckpointException("setsid() of process " + pid + " (saved as session leader " + savedPid + ") failed", pid,
                    "EPERM", null, null);
        }
    }

    void groupsSeized(Map<Long, SyscallInjector> injectors) throws CheckpointException {
        for (boolean leaders : new boolean[] { true, false }) {
            for (SessionImage s : processes) {
                SyscallInjector inj = injectors.get(s.pid());
                if (inj == null || s.sid() == s.pid() || (s.pgid() == s.pid()) != leaders) {
                    continue;
                }
                Long target = leaders ? Long.valueOf(0) : nsPids.get(s.pgid());
                if (target != null) {
                    inj.check("setpgid(0, " + target + ") for saved process group " + s.pgid(), Tty.SYS_SETPGID, 0, target);
                }
            }
        }
    }

    /**
     * Runs {@code ioctl(slave, request, arg)} in the session leader of {@code p}, on a slave descriptor it holds or
     * takes for the call from the process that holds one.
     */
    private void onSlaveSeized(SyscallInjector inj, long leader, PtyImage p, FileTable table, long request, long arg, String what)
            throws CheckpointException {
        FileTable.Holder h = null;
        for (int share : p.slaveShares()) {
            h = h != null ? h : table.holder(share);
        }
        if (h == null) {
            throw new ImageException("pseudo-terminal " + p.index() + ": no slave is restored yet when its session leader "
                    + p.session() + " is", null);
        }
        long fd = h.pid() == leader ? h.fd() : inj.takeFdSeized(h.nsPid(), h.fd());
        if (fd < 0) {
            throw new CheckpointException("session leader " + leader + " cannot take the slave of pseudo-terminal " + p.index() + ": "
                    + io.quiesce.api.Errno.name(fd), leader, io.quiesce.api.Errno.name(fd), null, null);
        }
        inj.check(what + " on pseudo-terminal " + p.index(), Tty.SYS_IOCTL, fd, request, arg);
        if (h.pid() != leader) {
            inj.call(Syscalls.CLOSE, fd);
        }
    }

    /** The session leader, as soon as it is rebuilt, takes the terminal as its controlling terminal again (TIOCSCTTY). */
    void acquireSeized(SyscallInjector inj, PtyImage p, FileTable table) throws CheckpointException {
        onSlaveSeized(inj, hostPids.get(p.session()), p, table, Tty.TIOCSCTTY, 0, "TIOCSCTTY");
    }

    /** Once the groups exist, the session leader sets the terminal's foreground group (TIOCSPGRP). */
    void foregroundSeized(Map<Long, SyscallInjector> injectors, PtyImage p, FileTable table) throws CheckpointException {
        SyscallInjector inj = injectors.get(p.session());
        Long fg = nsPids.get(p.foreground());
        if (inj == null || fg == null) {
            return;
        }
        inj.put(SyscallInjector.STRUCT, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (long) fg).array());
        onSlaveSeized(inj, hostPids.get(p.session()), p, table, Tty.TIOCSPGRP, inj.scratch() + SyscallInjector.STRUCT, "TIOCSPGRP " + fg);
    }
}
