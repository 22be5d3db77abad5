package io.quiesce.api;

import java.util.List;

/**
 * What a backend wrote for one host.
 *
 * @param bytes     total bytes written into the staging folder
 * @param files     the files written, relative to the staging folder
 * @param processes the saved processes' PIDs
 * @param warnings  things the user should know (e.g. PIDs that will not be restored exactly); never null
 */
public record DumpResult(long bytes, List<String> files, List<Long> processes, List<String> warnings) {
    /** Copies the lists so the result cannot change afterwards. */
    public DumpResult {
        files = List.copyOf(files);
        processes = List.copyOf(processes);
        warnings = List.copyOf(warnings);
    }
}
