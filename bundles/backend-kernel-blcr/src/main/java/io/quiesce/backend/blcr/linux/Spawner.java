package io.quiesce.backend.blcr.linux;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Starts a helper program ({@code cr_restart}) with posix_spawn. Not {@link ProcessBuilder}: the JDK's reaper thread
 * would wait for the process, whereas here it must stay a plain child that the platform reaps once the restarted
 * job is handed over. The child gets stdin from /dev/null, stdout and stderr appended to one file (created 0600),
 * no descriptor of the JVM, an empty signal mask, default signal actions and a session of its own, like a job the
 * platform launches.
 */
public final class Spawner {
    private static final int OUTPUT_MODE = 0600;

    private Spawner() {
    }

    /**
     * @param argv       program (an absolute path) and arguments
     * @param env        the complete environment
     * @param workingDir the child's working directory
     * @param output     file receiving stdout and stderr (appended)
     * @return the child's PID
     * @throws CheckpointException when the program cannot be started (names it and the errno)
     */
    public static long spawn(List<String> argv, Map<String, String> env, Path workingDir, Path output) throws CheckpointException {
        String program = argv.get(0);
        LibC c = LibC.INSTANCE;
        Memory actions = LibC.buffer(LibC.FILE_ACTIONS_SIZE);
        Memory attr = LibC.buffer(LibC.SPAWNATTR_SIZE);
        Memory sigset = LibC.buffer(LibC.SIGSET_SIZE);
        check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", program);
        check(c.posix_spawnattr_init(attr), "posix_spawnattr_init", program);
        try {
            check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", LibC.O_RDONLY, 0), "stdin", program);
            check(c.posix_spawn_file_actions_addopen(actions, 1, output.toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND,
                    OUTPUT_MODE), "stdout " + output, program);
            check(c.posix_spawn_file_actions_adddup2(actions, 1, 2), "stderr", program);
            check(c.posix_spawn_file_actions_addclosefrom_np(actions, 3), "closefrom", program);
            check(c.posix_spawn_file_actions_addchdir_np(actions, workingDir.toString()), "chdir " + workingDir, program);
            c.sigemptyset(sigset);
            check(c.posix_spawnattr_setsigmask(attr, sigset), "sigmask", program);
            c.sigfillset(sigset);
            check(c.posix_spawnattr_setsigdefault(attr, sigset), "sigdefault", program);
            check(c.posix_spawnattr_setflags(attr, (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF
                    | LibC.POSIX_SPAWN_SETSID)), "flags", program);
            IntByReference pid = new IntByReference();
            StringArray args = new StringArray(argv.toArray(String[]::new));
            StringArray envp = new StringArray(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted()
                    .toArray(String[]::new));
            int rc = c.posix_spawn(pid, program, actions, attr, args, envp);
            if (rc != 0) {
                throw new CheckpointException("cannot start " + program + ": " + Errno.name(rc), -1, Errno.name(rc), Path.of(program), null);
            }
            return pid.getValue();
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attr);
        }
    }

    private static void check(int rc, String step, String program) throws CheckpointException {
        if (rc != 0) {
            throw new CheckpointException("cannot start " + program + ": " + step + " failed with " + Errno.name(rc), -1,
                    Errno.name(rc), null, null);
        }
    }
}
