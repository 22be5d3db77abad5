package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.memory.Memfd;
import io.quiesce.backend.userspace.proc.FdInfo;
import io.quiesce.backend.userspace.terminals.Terminals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.quiesce.backend.userspace.linux.Syscalls;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Classifies and saves a process's descriptors from /proc/PID/fd and fdinfo. This version reopens regular files
 * and character devices by path, recreates anonymous pipes and FIFOs (see {@link FileSharing} for what the job's
 * processes share), regular files deleted while open (see {@link GhostFiles}), directories (with their getdents
 * position) and O_PATH descriptors by path, the event and notification descriptors (see {@link AnonInodes}), and
 * records sockets for the fabrics to rebuild; memfds (see {@link Memfd}); anything else (other anon inodes) is refused with a message
 * naming the PID, the descriptor and its link text.
 */
public final class FileDump {
    private static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFCHR = 0020000, S_IFIFO = 0010000, S_IFDIR = 0040000;

    private static final Pattern PIPE = Pattern.compile("pipe:\\[(\\d+)\\]");
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)\\]");

    private final Path proc;
    private final AnonInodes anon = new AnonInodes();
    private final List<String> warnings = new ArrayList<>();

    /** @param proc the /proc root */
    public FileDump(Path proc) {
        this.proc = proc;
    }

    /** @return what the user should know about the descriptors dumped so far (state that a restart loses) */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** @return the absolute paths process {@code pid} names: its cwd, its arguments and its descriptors' paths */
    private List<String> namedPaths(long pid, java.util.Collection<String> fdTargets) {
        List<String> out = new ArrayList<>();
        try {
            Path cwd = Files.readSymbolicLink(proc.resolve(pid + "/cwd"));
            out.add(cwd.toString());
            for (String arg : Files.readString(proc.resolve(pid + "/cmdline")).split("\0")) {
                if (!arg.isEmpty()) {
                    try {
                        out.add(cwd.resolve(arg).normalize().toString());
                    } catch (RuntimeException e) {
                        // not a path
                    }
                }
            }
        } catch (IOException e) {
            // a frozen process keeps these: then there are only the descriptors to go by
        }
        fdTargets.stream().filter(t -> t.startsWith("/") && !t.endsWith(" (deleted)")).forEach(out::add);
        return out;
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
        Map<Integer, String> targets = new LinkedHashMap<>();
        for (int fd : fds) {
            Path link = fdDir.resolve(Integer.toString(fd));
            try {
                targets.put(fd, Files.readSymbolicLink(link).toString());
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + link + ": " + e.getMessage(), pid, null, link, e);
            }
        }
        for (int fd : fds) {
            Path link = fdDir.resolve(Integer.toString(fd));
            try {
                String target = targets.get(fd);
                if (target.startsWith(AnonInodes.PREFIX)) {
                    out.add(anon.dump(proc, pid, fd, target, FdInfo.read(proc, pid, fd), () -> namedPaths(pid, targets.values()), warnings));
                    continue;
                }
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
                FdInfo info = FdInfo.read(proc, pid, fd);
                if (kind == null && target.startsWith("/") && !target.endsWith(" (deleted)") && (info.flags() & Syscalls.O_PATH) != 0) {
                    kind = FdImage.PATH; // O_PATH of a symlink or socket file
                } else if (FdImage.CHAR_DEVICE.equals(kind)) { // terminals are paired, never reopened by path
                    kind = Terminals.kindOf((Long) Files.getAttribute(link, "unix:rdev"));
                }
                if (!FdImage.MEMFD.equals(kind) && target.endsWith(" (deleted)") && !FdImage.REGULAR.equals(kind)) {
                    throw new NotSupportedException(String.format("process %d fd %d (%s): deleted files other than "
                            + "regular files are not supported yet", pid, fd, target));
                }
                if (kind == null) {
                    throw new NotSupportedException(String.format("process %d fd %d (%s): this kind of descriptor is not "
                            + "supported yet (regular files, directories, character devices, pipes and FIFOs are)", pid, fd, target));
                }
                long inode = (Long) Files.getAttribute(link, "unix:ino");
                if ((info.flags() & Syscalls.O_PATH) != 0) {
                    if (target.endsWith(" (deleted)")) {
                        throw new NotSupportedException(String.format("process %d fd %d (%s): an O_PATH descriptor of a deleted "
                                + "file is not supported yet", pid, fd, target));
                    }
                    kind = FdImage.PATH; // a place, not an open file: whatever it names is reopened with O_PATH
                }
                boolean seekable = FdImage.REGULAR.equals(kind) || FdImage.DIRECTORY.equals(kind) || FdImage.MEMFD.equals(kind);
                out.add(new FdImage(fd, kind, target, seekable ? info.pos() : 0, info.flags(), 0, inode));
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
            case S_IFDIR -> FdImage.DIRECTORY;
            default -> null;
        };
    }
}
