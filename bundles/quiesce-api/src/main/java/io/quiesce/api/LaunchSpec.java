package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a job's first process is spawned.
 *
 * @param argv        program and arguments; argv[0] is looked up on PATH when it has no slash
 * @param environment the complete environment of the process
 * @param workingDir  the process's working directory
 * @param stdout      file that receives standard output (appended)
 * @param stderr      file that receives standard error (appended; may equal {@code stdout})
 */
public record LaunchSpec(List<String> argv, Map<String, String> environment, Path workingDir, Path stdout, Path stderr) {
    /** Copies the collections and checks the command is not empty. */
    public LaunchSpec {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
    }

    /**
     * @param newArgv the replacement command line
     * @return a copy of this spec running {@code newArgv}
     */
    public LaunchSpec withArgv(List<String> newArgv) {
        return new LaunchSpec(newArgv, environment, workingDir, stdout, stderr);
    }

    /**
     * @param newEnvironment the replacement environment
     * @return a copy of this spec with {@code newEnvironment}
     */
    public LaunchSpec withEnvironment(Map<String, String> newEnvironment) {
        return new LaunchSpec(argv, newEnvironment, workingDir, stdout, stderr);
    }
}
