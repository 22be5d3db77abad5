package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * The backend's index in an image folder ({@code userspace.json}): which processes it saved, root first, and the
 * resources they share.
 *
 * @param magic         always {@link ImageFiles#INDEX_MAGIC}
 * @param formatVersion {@link ImageFiles#VERSION}
 * @param processes     the process image files, relative to the folder, root first
 * @param pipes         the job's pipes (null in images that have none recorded)
 * @param pidNamespace  true when the job ran under quiesce-init in its own PID namespace: the restore makes a new
 *                      one and gives every process its {@link ProcessImage#nsPid()} back
 * @param ghosts        regular files deleted while open, with their contents (null in older images)
 * @param zombies       ended children not yet reaped by their saved parent (null in older images)
 * @param ipc           memfds, SysV segments and temporary files (null in older images)
 * @param written       regular files the job had open for writing (null in older images: not checked)
 */
public record ImageIndex(String magic, int formatVersion, List<String> processes, List<PipeImage> pipes, boolean pidNamespace,
        List<GhostImage> ghosts, List<ZombieImage> zombies, IpcImage ipc, List<WrittenFileImage> written) {
    /** An index that records no IPC objects and no written files. */
    public ImageIndex(String magic, int formatVersion, List<String> processes, List<PipeImage> pipes, boolean pidNamespace,
            List<GhostImage> ghosts, List<ZombieImage> zombies) {
        this(magic, formatVersion, processes, pipes, pidNamespace, ghosts, zombies, null, null);
    }

    /** @return the pipes, never null */
    public List<PipeImage> pipesOrEmpty() {
        return pipes == null ? List.of() : pipes;
    }

    /** @return the deleted files, never null */
    public List<GhostImage> ghostsOrEmpty() {
        return ghosts == null ? List.of() : ghosts;
    }

    /** @return the memory and IPC objects, never null */
    public IpcImage ipcOrEmpty() {
        return ipc == null ? new IpcImage(null, null, null) : ipc;
    }

    /** @return the zombies, never null */
    public List<ZombieImage> zombiesOrEmpty() {
        return zombies == null ? List.of() : zombies;
    }
}
