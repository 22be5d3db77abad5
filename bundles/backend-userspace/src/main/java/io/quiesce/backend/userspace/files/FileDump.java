package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.memory.Memfd;
import io.quiesce.backend.userspace.proc.FdInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Classifies and saves a process's descriptors from /proc/PID/fd and fdinfo. This version reopens regular files
 * and character devices by path, recreates anonymous pipes and FIFOs (see {@link FileSharing} for what the job's
 * processes share), regular files deleted while open (see {@link GhostFiles}), and records sockets for the fabrics
 * to rebuild; memfds (see {@link Memfd}); anything else (anon inodes, directories) is refused with a message naming the PID, the
 * descriptor and its link text.
 */
public final class FileDump {
    private static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFCHR = 0020000, S_IFIFO = 0010000;

    private static final Pattern PIPE = Pattern.compile("pipe:\\[(\\d+)\\]");
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)\\]");

    private final Path proc;

    /** @param proc the /proc root */
    public FileDump(Path proc) {
        this.proc = proc;
    }

    /**
     * @param pid a frozen process
     * @return its descriptors in number order
     * @throws NotSupportedException for a kind of descriptor this version cannot restore
     */
    public List<FdImage> dump(long pid) throws CheckpointException {
        Path fdDir = proc.resolve(pid + "/fd");
        List<Integer> fds;
        try (Stream<Path> s = Files.list(fdDir)) {
            fds = s.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException("cannot list " + fdDir + ": " + e.getMessage(), pid, null, fdDir, e);
        }
        List<FdImage> out = new ArrayList<>();
        for (int fd : fds) {
            Path link = fdDir.resolve(Integer.toString(fd));
            try {
                String target = Files.readSymbolicLink(link).toString();
                Matcher pipe = PIPE.matcher(target);
                Matcher socket = SOCKET.matcher(target);
                if (pipe.matches() || socket.matches()) {
                    FdInfo info = FdInfo.read(proc, pid, fd);
                    Matcher m = pipe.matches() ? pipe : socket;
                    out.add(new FdImage(fd, m == pipe ? FdImage.PIPE : FdImage.SOCKET, target, 0, info.flags(), 0, Long.parseLong(m.group(1))));
                    continue;
                }
                // stat through the link reaches the inode, deleted or not
                int mode = target.startsWith("/") ? (Integer) Files.getAttribute(link, "unix:mode") : 0;
                // a memfd is a regular file of an internal tmpfs, shown as deleted: saved once for the job (Memfd)
                String kind = Memfd.is(target) && FdImage.REGULAR.equals(classify(mode)) ? FdImage.MEMFD : classify(mode);
                if (!FdImage.MEMFD.equals(kind) && target.endsWith(" (deleted)") && !FdImage.REGULAR.equals(kind)) {
                    throw new NotSupportedException(String.format("process %d fd %d (%s): deleted files other than "
                            + "regular files are not supported yet", pid, fd, target));
                }
                if (kind == null) {
                    throw new NotSupportedException(String.format("process %d fd %d (%s): this kind of descriptor is not "
                            + "supported yet (regular files, character devices, pipes and FIFOs are)", pid, fd, target));
                }
                FdInfo info = FdInfo.read(proc, pid, fd);
                long inode = (Long) Files.getAttribute(link, "unix:ino");
                out.add(new FdImage(fd, kind, target, FdImage.REGULAR.equals(kind) || FdImage.MEMFD.equals(kind) ? info.pos() : 0, info.flags(), 0, inode));
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + link + ": " + e.getMessage(), pid, null, link, e);
            }
        }
        return out;
    }

    /** @return the image kind of a file with this st_mode, or null when unsupported */
    static String classify(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG -> FdImage.REGULAR;
            case S_IFCHR -> FdImage.CHAR_DEVICE;
            case S_IFIFO -> FdImage.FIFO;
            default -> null;
        };
    }
}
