package io.quiesce.backend.userspace.proc;

import java.util.ArrayList;
import java.util.List;

/**
 * /proc/sysvipc/shm: the System V shared memory segments of the reader's IPC namespace. The file is per namespace
 * of the task that reads it, so the dump has it read by a process of the job (an injected open and read) and
 * parses the text here.
 */
public final class SysvShmTable {
    /** SHM_DEST in {@code perms}: IPC_RMID was called, the segment goes when the last attachment does. */
    public static final int SHM_DEST = 01000;

    /**
     * One segment.
     *
     * @param key    its key (0 = IPC_PRIVATE)
     * @param shmid  its identifier
     * @param perms  mode bits as printed (octal), with SHM_DEST (01000) and SHM_LOCKED (02000)
     * @param size   bytes
     * @param cpid   the creator's PID, as the reader's PID namespace sees it
     * @param nattch current attachments, in every process of the namespace
     * @param uid    owner
     * @param gid    group
     */
    public record Segment(int key, int shmid, int perms, long size, long cpid, long nattch, int uid, int gid) {
        /** @return true when marked for removal (IPC_RMID while attached) */
        public boolean removed() {
            return (perms & SHM_DEST) != 0;
        }
    }

    private SysvShmTable() {
    }

    /**
     * @param text the file's contents (a header line, then one line per segment:
     *             {@code key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap})
     * @throws IllegalArgumentException for a line with fewer than 9 fields or a field that is not a number
     */
    public static List<Segment> parse(String text) {
        List<Segment> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 9) {
                throw new IllegalArgumentException("short /proc/sysvipc/shm line: " + line);
            }
            out.add(new Segment((int) Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2], 8), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[6]), Integer.parseInt(f[7]), Integer.parseInt(f[8])));
        }
        return out;
    }
}
