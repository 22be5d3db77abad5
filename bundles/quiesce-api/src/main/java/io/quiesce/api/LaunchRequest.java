package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a user asks to launch.
 *
 * @param argv        program and arguments; not empty
 * @param name        the job's name, or null to use its ID
 * @param environment the environment of the job; null for the platform's own
 * @param workingDir  working directory; null for the platform's
 * @param stdout      file for standard output; null for {@code output.log} in the job's folder
 * @param stderr      file for standard error; null for the same file as stdout
 * @param backend     backend to prepare the launch for; null for the selected one
 * @param host        the host to start it on, by its cluster name; null for this platform's own host
 * @param job         the job this command joins as another piece (on {@code host}); null for a new job
 */
public record LaunchRequest(List<String> argv, String name, Map<String, String> environment, Path workingDir,
        Path stdout, Path stderr, String backend, String host, String job) {
    /** Copies the collections; checks the command is not empty. */
    public LaunchRequest {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("no command to launch");
        }
        argv = List.copyOf(argv);
        environment = environment == null ? null : Map.copyOf(environment);
    }

    /** A new job on this platform's own host (API 1.2). */
    public LaunchRequest(List<String> argv, String name, Map<String, String> environment, Path workingDir, Path stdout,
            Path stderr, String backend) {
        this(argv, name, environment, workingDir, stdout, stderr, backend, null, null);
    }
}
