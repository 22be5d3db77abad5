package io.quiesce.api.image;

import java.util.List;

/**
 * What one host saved.
 *
 * @param host      the host name
 * @param processes the saved processes, parents before children
 * @param files     the image files written for this host, relative to the checkpoint folder
 * @param folder    the subfolder of the checkpoint that holds this host's files (format 3), or null when they lie at
 *                  the top of the checkpoint folder (format 2 and earlier: one host)
 */
public record HostRecord(String host, List<ProcessRecord> processes, List<String> files, String folder) {
    /** Copies the lists, treating missing ones as empty. */
    public HostRecord {
        processes = processes == null ? List.of() : List.copyOf(processes);
        files = files == null ? List.of() : List.copyOf(files);
    }

    /**
     * @param checkpoint a committed checkpoint folder
     * @return the folder holding this host's files in it
     */
    public java.nio.file.Path folderIn(java.nio.file.Path checkpoint) {
        return folder == null ? checkpoint : checkpoint.resolve(folder);
    }

    /** A host whose files lie at the top of the checkpoint folder (format 2 and earlier). */
    public HostRecord(String host, List<ProcessRecord> processes, List<String> files) {
        this(host, processes, files, null);
    }
}
