package io.quiesce.backend.userspace.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** /proc/PID/task: the threads of a process, and per thread its {@code comm}, {@code status} and {@code children}. */
public final class ProcTasks {
    private ProcTasks() {
    }

    /** @return the TIDs of {@code pid}'s threads, sorted (the leader, whose TID is the PID, first) */
    public static List<Long> tids(Path proc, long pid) throws IOException {
        try (Stream<Path> s = Files.list(proc.resolve(pid + "/task"))) {
            return s.map(p -> Long.parseLong(p.getFileName().toString())).sorted().toList();
        }
    }

    /** @return the thread's name (/proc/PID/task/TID/comm, at most 15 bytes) */
    public static String comm(Path proc, long pid, long tid) throws IOException {
        return Files.readString(proc.resolve(pid + "/task/" + tid + "/comm")).strip();
    }

    /** @return the thread's status file (NSpid there is the TID in each PID namespace) */
    public static ProcStatus status(Path proc, long pid, long tid) throws IOException {
        return ProcStatus.parse(Files.readString(proc.resolve(pid + "/task/" + tid + "/status")));
    }

    /** @return the children the thread forked that are still its children (/proc/PID/task/TID/children) */
    public static List<Long> children(Path proc, long pid, long tid) throws IOException {
        String text = Files.readString(proc.resolve(pid + "/task/" + tid + "/children")).trim();
        List<Long> out = new ArrayList<>();
        for (String c : text.isEmpty() ? new String[0] : text.split(" ")) {
            out.add(Long.parseLong(c));
        }
        return out;
    }
}
