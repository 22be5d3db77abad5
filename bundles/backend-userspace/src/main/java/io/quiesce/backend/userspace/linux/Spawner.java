package io.quiesce.backend.userspace.linux;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts processes with posix_spawn, never {@link ProcessBuilder}: the JDK's reaper thread would wait on the
 * child and take its ptrace stops (facts, pitfall 1). The child gets stdin from /dev/null, output to the given
 * file (appended) or /dev/null, no descriptor of the JVM (closefrom 3, pitfall 2), an empty signal mask and
 * default signal actions (the calling JVM thread blocks SIGQUIT, which a child would otherwise inherit), and a
 * session of its own, as the platform gives a job it launches, so the JVM's terminal and process group do not reach it.
 */
public final class Spawner {
    private Spawner() {
    }

    /**
     * @param program absolute path of the executable
     * @param argv    its argument vector, argv[0] first
     * @param env     its environment as {@code NAME=value} strings
     * @param output  file for stdout and stderr (created 0600, appended), or null for /dev/null
     * @return the child's PID
     * @throws CheckpointException when posix_spawn fails (names the program and errno)
     */
    public static int spawn(Path program, List<String> argv, List<String> env, Path output) throws CheckpointException {
        LibC c = LibC.INSTANCE;
        Memory actions = LibC.buffer(LibC.FILE_ACTIONS_SIZE);
        Memory attr = LibC.buffer(LibC.SPAWNATTR_SIZE);
        Memory sigset = LibC.buffer(LibC.SIGSET_SIZE);
        check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", program);
        check(c.posix_spawnattr_init(attr), "posix_spawnattr_init", program);
        try {
            check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", LibC.O_RDONLY, 0), "stdin", program);
            String out = output == null ? "/dev/null" : output.toString();
            check(c.posix_spawn_file_actions_addopen(actions, 1, out, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0600),
                    "stdout", program);
            check(c.posix_spawn_file_actions_adddup2(actions, 1, 2), "stderr", program);
            check(c.posix_spawn_file_actions_addclosefrom_np(actions, 3), "closefrom", program);
            c.sigemptyset(sigset);
            check(c.posix_spawnattr_setsigmask(attr, sigset), "sigmask", program);
            c.sigfillset(sigset);
            check(c.posix_spawnattr_setsigdefault(attr, sigset), "sigdefault", program);
            check(c.posix_spawnattr_setflags(attr, (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF
                    | LibC.POSIX_SPAWN_SETSID)),
                    "flags", program);
            IntByReference pid = new IntByReference();
            int rc = c.posix_spawn(pid, program.toString(), actions, attr, new StringArray(argv.toArray(String[]::new)),
                    new StringArray(env.toArray(String[]::new)));
            check(rc, "posix_spawn", program);
            return pid.getValue();
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attr);
        }
    }

    private static void check(int rc, String step, Path program) throws CheckpointException {
        if (rc != 0) {
            throw new CheckpointException("cannot start " + program + ": " + step + " failed with " + Errno.name(rc), -1,
                    Errno.name(rc), program, null);
        }
    }
}
