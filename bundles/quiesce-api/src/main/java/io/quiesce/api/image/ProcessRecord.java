package io.quiesce.api.image;

import java.util.List;

/**
 * A saved process, summarised for the manifest; the backend's own files hold the full state.
 *
 * @param pid     its PID at checkpoint time
 * @param ppid    its parent's PID
 * @param comm    its name ({@code /proc/PID/comm})
 * @param argv    its command line
 * @param threads its thread count
 * @param regions its memory mappings
 * @param fds     its open descriptors
 */
public record ProcessRecord(long pid, long ppid, String comm, List<String> argv, int threads,
        List<MemoryRegion> regions, List<FdEntry> fds) {
    /** Copies the lists, treating missing ones as empty. */
    public ProcessRecord {
        argv = argv == null ? List.of() : List.copyOf(argv);
        regions = regions == null ? List.of() : List.copyOf(regions);
        fds = fds == null ? List.of() : List.copyOf(fds);
    }
}
