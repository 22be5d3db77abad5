package io.quiesce.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads process facts from a /proc tree. The root is configurable so the parsing is tested on fixture folders.
 */
public final class ProcFs {
    private final Path root;

    /** @param root the proc file system's mount point, normally {@code /proc} */
    public ProcFs(Path root) {
        this.root = root;
    }

    /**
     * @param pid a process ID
     * @return its stat fields, or empty when it does not exist (any more)
     */
    public Optional<ProcStat> stat(long pid) {
        try {
            return Optional.of(ProcStat.parse(Files.readString(root.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * @param pid a process ID as this platform sees it
     * @return the PID the process sees as its own: the last {@code NSpid} entry of its {@code status} (another one
     *         than {@code pid} in a PID namespace of its own, as a job under quiesce-init); empty when it is gone
     */
    public java.util.OptionalLong ownPid(long pid) {
        try {
            for (String line : Files.readAllLines(root.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring("NSpid:".length()).trim().split("\\s+");
                    return java.util.OptionalLong.of(Long.parseLong(ids[ids.length - 1]));
                }
            }
            return java.util.OptionalLong.of(pid); // a kernel without NSpid has no nested PID namespaces to tell
        } catch (IOException | NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /** @return the stat of every process now, keyed by PID; processes that vanish while reading are skipped */
    public Map<Long, ProcStat> all() {
        Map<Long, ProcStat> out = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(root, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : dir) {
                stat(Long.parseLong(p.getFileName().toString())).ifPresent(s -> out.put(s.pid(), s));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The process tree under a root, parents before children, zombies left out.
     *
     * @param rootPid   the tree's root
     * @param startTime the root's start time as recorded at launch; a PID reused by another process yields nothing
     * @return the live processes of the tree, root first; empty when the root is gone
     */
    public List<Long> tree(long rootPid, long startTime) {
        Map<Long, ProcStat> all = all();
        ProcStat r = all.get(rootPid);
        if (r == null || r.dead() || r.startTime() != startTime) {
            return List.of();
        }
        return walk(all, rootPid, false);
    }

    /**
     * @param rootPid a process, live or a zombie (a helper that exited still has its children listed under it
     *                until it is reaped)
     * @return the live processes below it, parents before children, without the root itself
     */
    public List<Long> descendants(long rootPid) {
        List<Long> tree = walk(all(), rootPid, true);
        return tree.subList(1, tree.size());
    }

    /** Breadth-first from the root through live processes; the root is included first when live (or when asked). */
    private static List<Long> walk(Map<Long, ProcStat> all, long rootPid, boolean evenDeadRoot) {
        Map<Long, List<Long>> children = new HashMap<>();
        for (ProcStat s : all.values()) {
            children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s.pid());
        }
        List<Long> out = new ArrayList<>();
        Deque<Long> queue = new ArrayDeque<>(List.of(rootPid));
        while (!queue.isEmpty()) {
            long pid = queue.removeFirst();
            ProcStat s = all.get(pid);
            boolean root = out.isEmpty() && pid == rootPid;
            if ((s == null || s.dead()) && !(root && evenDeadRoot)) {
                continue;
            }
            out.add(pid);
            List<Long> kids = children.get(pid);
            if (kids != null) {
                kids.sort(null);
                queue.addAll(kids);
            }
        }
        return out;
    }

    /**
     * The socket descriptors of a process, from its {@code /proc/PID/fd} links ({@code socket:[INODE]}).
     *
     * @param pid a process ID
     * @return descriptor number to socket inode, in number order; descriptors closed while reading are skipped
     * @throws IOException when the folder cannot be listed (process gone, no permission)
     */
    public java.util.SortedMap<Integer, Long> sockets(long pid) throws IOException {
        java.util.SortedMap<Integer, Long> out = new java.util.TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(root.resolve(pid + "/fd"))) {
            for (Path fd : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closed) {
                    continue;
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    out.put(Integer.parseInt(fd.getFileName().toString()), Long.parseLong(target.substring(8, target.length() - 1)));
                }
            }
        }
        return out;
    }
}
