package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * {@code terminals.json}: the job's pseudo-terminals and the sessions and process groups of its processes.
 * Absent in images of jobs that held no terminal and were written before it existed: then nothing is done.
 *
 * @param magic         {@link #MAGIC}
 * @param formatVersion {@link ImageFiles#VERSION}
 * @param ptys          every pseudo-terminal pair whose master and slave are both held in the job
 * @param processes     every saved process's session and process group
 */
public record TerminalsImage(String magic, int formatVersion, List<PtyImage> ptys, List<SessionImage> processes) {
    /** The magic of the file. */
    public static final String MAGIC = "quiesce-userspace-terminals";
    /** The file name in the image folder. */
    public static final String FILE = "terminals.json";

    /**
     * One pseudo-terminal pair.
     *
     * @param masterShare  the open file description of its master ({@link FdImage#share()})
     * @param slaveShare   the open file description of its slave (one of them, when the slave was opened several times)
     * @param index        its number at checkpoint ({@code /dev/pts/INDEX}); a restored pair gets the number the
     *                     kernel gives (ptsname() changes)
     * @param masterPath   what the master was opened as: {@code /dev/ptmx} or {@code /dev/pts/ptmx}
     * @param masterFlags  the master's status flags (O_NONBLOCK, ...)
     * @param slaveFlags   the slave's status flags, one entry per slave description, in {@code slaveShares} order
     * @param slaveShares  every open file description of the slave in the job
     * @param termios      the terminal's {@code struct termios2} (44 bytes, TCGETS2)
     * @param winsize      its {@code struct winsize} (8 bytes)
     * @param packet       packet mode on the master (TIOCGPKT)
     * @param locked       slave lock (TIOCGPTLCK)
     * @param exclusive    exclusive mode (TIOCGEXCL)
     * @param toSlave      bytes written to the master that the slave has not read (the slave's input queue); in
     *                     canonical mode the partly typed line
     * @param toMaster     bytes the slave wrote (and echoes) that the master has not read
     * @param session      the PID (at checkpoint) of the session leader whose controlling terminal it is, 0 if none
     * @param foreground   its foreground process group (at checkpoint), 0 if none
     */
    public record PtyImage(int masterShare, int slaveShare, int index, String masterPath, int masterFlags, List<Integer> slaveShares,
            List<Integer> slaveFlags, byte[] termios, byte[] winsize, boolean packet, boolean locked, boolean exclusive,
            byte[] toSlave, byte[] toMaster, long session, long foreground) {
    }

    /**
     * A saved process's session and process group (PIDs as at checkpoint, as the engine saw them).
     *
     * @param pid  the process
     * @param sid  its session
     * @param pgid its process group
     */
    public record SessionImage(long pid, long sid, long pgid) {
    }
}
