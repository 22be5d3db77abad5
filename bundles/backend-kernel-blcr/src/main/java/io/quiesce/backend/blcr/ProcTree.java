package io.quiesce.backend.blcr;

import java.io.IOException;
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
 * Reads process states and parents from {@code /proc/<pid>/stat}. The root is configurable so tests can use
 * fixture trees; BLCR itself needs nothing more than "which processes are below this one, and are they stopped".
 */
final class ProcTree {
    private final Path proc;

    /** @param proc the proc file system's root, normally {@code /proc} */
    ProcTree(Path proc) {
        this.proc = proc;
    }

    /** One line of {@code /proc/<pid>/stat}, reduced to what is needed here. */
    record Stat(long pid, char state, long ppid) {
        /** @return true for a process stopped by a signal ({@code T}) or a tracer ({@code t}) */
        boolean stopped() {
            return state == 'T' || state == 't';
        }

        /** @return true for a zombie or a dead process */
        boolean dead() {
            return state == 'Z' || state == 'X' || state == 'x';
        }
    }

    /**
     * @param pid a process
     * @return its state, or empty when it does not exist
     */
    Optional<Stat> stat(long pid) {
        try {
            return Optional.of(parse(pid, Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * @param root a process
     * @return the live processes below it, parents before children, without the root itself
     */
    List<Long> descendants(long root) {
        Map<Long, List<Long>> children = new HashMap<>();
        try (var s = Files.list(proc)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                stat(Long.parseLong(name)).filter(st -> !st.dead())
                        .ifPresent(st -> children.computeIfAbsent(st.ppid(), k -> new ArrayList<>()).add(st.pid()));
            }
        } catch (IOException e) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        Deque<Long> queue = new ArrayDeque<>(List.of(root));
        while (!queue.isEmpty()) {
            List<Long> kids = new ArrayList<>(children.getOrDefault(queue.removeFirst(), List.of()));
            kids.sort(null);
            out.addAll(kids);
            queue.addAll(kids);
        }
        return out;
    }

    /** Parses a stat line; the command name may hold spaces and parentheses, so fields start after the last ')'. */
    static Stat parse(long pid, String line) {
        String rest = line.substring(line.lastIndexOf(')') + 2);
        String[] f = rest.split(" ");
        return new Stat(pid, f[0].charAt(0), Long.parseLong(f[1]));
    }
}
