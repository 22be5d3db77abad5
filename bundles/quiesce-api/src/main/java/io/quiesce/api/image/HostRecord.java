package io.quiesce.api.image;

import java.util.List;

/**
 * What one host saved.
 *
 * @param host      the host name
 * @param processes the saved processes, parents before children
 * @param files     the image files written for this host, relative to the checkpoint folder
 */
public record HostRecord(String host, List<ProcessRecord> processes, List<String> files) {
    /** Copies the lists, treating missing ones as empty. */
    public HostRecord {
        processes = processes == null ? List.of() : List.copyOf(processes);
        files = files == null ? List.of() : List.copyOf(files);
    }
}
