package io.quiesce.process;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Errno;
import io.quiesce.api.LaunchSpec;
import io.quiesce.process.linux.SpawnLibC;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts a job's first process, or a helper such as a restore stub or cr_restart, with posix_spawn. Never {@link ProcessBuilder}: the JDK's reaper thread would
 * take the process's wait statuses (and later its ptrace stops). The child gets stdin from /dev/null, its output
 * appended to the given files, no descriptor of the JVM (closefrom 3), an empty signal mask, default signal
 * actions, and a session of its own so that the platform's terminal and exit do not reach it.
 */
public final class Spawner {
    private static final int OUTPUT_MODE = 0600;

    private Spawner() {
    }

    /**
     * @param spec what to start
     * @return the new process's PID
     * @throws CheckpointException when the program is not found or cannot be executed (names it and the errno)
     */
    public static long spawn(LaunchSpec spec) throws CheckpointException {
        String program = resolve(spec.argv().get(0), spec.environment().get("PATH"), spec.workingDir());
        SpawnLibC c = SpawnLibC.INSTANCE;
        Memory actions = SpawnLibC.buffer(SpawnLibC.FILE_ACTIONS_SIZE);
        Memory attr = SpawnLibC.buffer(SpawnLibC.SPAWNATTR_SIZE);
        Memory sigset = SpawnLibC.buffer(SpawnLibC.SIGSET_SIZE);
        check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", program);
        check(c.posix_spawnattr_init(attr), "posix_spawnattr_init", program);
        try {
            check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", SpawnLibC.O_RDONLY, 0), "stdin", program);
            int outFlags = SpawnLibC.O_WRONLY | SpawnLibC.O_CREAT | SpawnLibC.O_APPEND;
            check(c.posix_spawn_file_actions_addopen(actions, 1, spec.stdout().toString(), outFlags, OUTPUT_MODE), "stdout", program);
            if (spec.stderr().equals(spec.stdout())) {
                check(c.posix_spawn_file_actions_adddup2(actions, 1, 2), "stderr", program);
            } else {
                check(c.posix_spawn_file_actions_addopen(actions, 2, spec.stderr().toString(), outFlags, OUTPUT_MODE), "stderr", program);
            }
            check(c.posix_spawn_file_actions_addclosefrom_np(actions, 3), "closefrom", program);
            check(c.posix_spawn_file_actions_addchdir_np(actions, spec.workingDir().toString()), "chdir", program);
            c.sigemptyset(sigset);
            check(c.posix_spawnattr_setsigmask(attr, sigset), "sigmask", program);
            // Every signal 1..64 back to SIG_DFL. sigfillset() leaves out glibc's internal signals 32 and 33, which
            // the JVM ignores and a child would otherwise inherit ignored; setting the bits directly includes them.
            for (int i = 0; i < 8; i++) {
                sigset.setByte(i, (byte) 0xff);
            }
            check(c.posix_spawnattr_setsigdefault(attr, sigset), "sigdefault", program);
            check(c.posix_spawnattr_setflags(attr, (short) (SpawnLibC.POSIX_SPAWN_SETSIGMASK | SpawnLibC.POSIX_SPAWN_SETSIGDEF
                    | SpawnLibC.POSIX_SPAWN_SETSID)), "flags", program);
            IntByReference pid = new IntByReference();
            StringArray argv = new StringArray(spec.argv().toArray(String[]::new));
            StringArray envp = new StringArray(environment(spec.environment()));
            int rc = c.posix_spawn(pid, program, actions, attr, argv, envp);
            if (rc != 0) {
                throw new CheckpointException("cannot start " + program + ": " + Errno.name(rc), -1, Errno.name(rc), Path.of(program), null);
            }
            return pid.getValue();
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attr);
        }
    }

    /**
     * Finds a program as execvp would, but on the job's PATH rather than the platform's.
     *
     * @param name       argv[0]
     * @param path       the job's PATH, or null
     * @param workingDir where relative names are resolved
     * @return an absolute path to an executable file
     * @throws CheckpointException when none is found
     */
    public static String resolve(String name, String path, Path workingDir) throws CheckpointException {
        if (name.isEmpty()) {
            throw new CheckpointException("empty program name");
        }
        if (name.contains("/")) {
            Path p = workingDir.resolve(name).normalize();
            if (!Files.isRegularFile(p)) {
                throw new CheckpointException("cannot start " + p + ": ENOENT (no such file)", -1, "ENOENT", p, null);
            }
            if (!Files.isExecutable(p)) {
                throw new CheckpointException("cannot start " + p + ": EACCES (not executable)", -1, "EACCES", p, null);
            }
            return p.toString();
        }
        String searched = path == null || path.isEmpty() ? "/usr/local/bin:/usr/bin:/bin" : path;
        for (String dir : searched.split(File.pathSeparator)) {
            Path p = workingDir.resolve(dir.isEmpty() ? "." : dir).resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new CheckpointException("cannot start " + name + ": ENOENT (not found on PATH " + searched + ")", -1, "ENOENT", null, null);
    }

    private static String[] environment(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toArray(String[]::new);
    }

    private static void check(int rc, String step, String program) throws CheckpointException {
        if (rc != 0) {
            throw new CheckpointException("cannot start " + program + ": " + step + " failed with " + Errno.name(rc),
                    -1, Errno.name(rc), null, null);
        }
    }
}
