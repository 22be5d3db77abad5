package io.quiesce.backend.userspace.files;

import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.PipeImage;
import io.quiesce.backend.userspace.terminals.Terminals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The restore's view of the job's open file descriptions: which rebuilt process already holds each one (at which
 * descriptor), so later descriptors of the same description are dup'ed or taken over with pidfd_getfd(2) instead
 * of being opened again, and which pipe ends are parked in a process that does not keep them. Used on the
 * restorer's tracer thread only.
 */
public final class FileTable {
    /** A descriptor of a rebuilt process, whose PID is {@code pid} here and {@code nsPid} in its own namespace. */
    public record Holder(long pid, long nsPid, int fd) {
    }

    private final Path folder;
    private final Map<Integer, PipeImage> pipes = new HashMap<>();
    private final Map<Long, PipeImage> fifos = new HashMap<>();
    private final Set<Long> primed = new HashSet<>();
    private final Map<Integer, Holder> holders = new HashMap<>();
    private final Set<Integer> flagsSet = new HashSet<>();
    private final Map<Long, List<Integer>> parked = new HashMap<>();
    private Terminals terminals = Terminals.none();
    private io.quiesce.backend.userspace.memory.Memfd.Table memfds;

    /**
     * Checks every pipe's contents file before any process exists.
     *
     * @param folder    the image folder
     * @param pipes     the job's pipes, from the index
     * @param indexFile the index, for messages
     * @throws ImageException when a contents file is missing, outside the folder or not of its recorded size
     */
    public FileTable(Path folder, List<PipeImage> pipes, Path indexFile) throws ImageException {
        this.folder = folder;
        for (PipeImage p : pipes) {
            Path data = folder.resolve(p.dataFile()).normalize();
            if (!data.startsWith(folder.normalize())) {
                throw new ImageException("names a file outside the image folder: " + p.dataFile(), indexFile);
            }
            long size;
            try {
                size = Files.size(data);
            } catch (IOException e) {
                throw new ImageException("missing or unreadable (" + e.getMessage() + ")", data);
            }
            if (size != p.bytes() || size > p.capacity()) {
                throw new ImageException("holds " + size + " bytes; " + indexFile.getFileName() + " says " + p.bytes()
                        + " in a pipe of " + p.capacity(), data);
            }
            if (p.fifo()) {
                fifos.put(p.inode(), p);
            } else {
                if (p.readShare() == 0 && p.writeShare() == 0) {
                    throw new ImageException("pipe:[" + p.inode() + "] has neither end", indexFile);
                }
                // an end closed in every process (share 0) is recreated and closed again
                if (p.readShare() != 0) {
                    this.pipes.put(p.readShare(), p);
                }
                if (p.writeShare() != 0) {
                    this.pipes.put(p.writeShare(), p);
                }
            }
        }
    }

    /** Sets the job's saved terminals and sessions (read from the image before any process exists). */
    public void useTerminals(Terminals t) {
        terminals = t;
    }

    /** @return the job's saved terminals and sessions */
    public Terminals terminals() {
        return terminals;
    }

    /** Sets the job's saved memfds, which descriptors of kind memfd are restored from. */
    public void useMemfds(io.quiesce.backend.userspace.memory.Memfd.Table table) {
        memfds = table;
    }

    /** @return the job's saved memfds */
    io.quiesce.backend.userspace.memory.Memfd.Table memfds() throws ImageException {
        if (memfds == null) {
            throw new ImageException("a descriptor is a memfd, but the index lists none", folder);
        }
        return memfds;
    }

    /** @return the pipe one of whose ends is open file description {@code share} */
    PipeImage pipe(int share, long pid, int fd) throws ImageException {
        PipeImage p = pipes.get(share);
        if (p == null) {
            throw new ImageException("process " + pid + " fd " + fd + " is a pipe end the index does not list", folder);
        }
        return p;
    }

    /** @return the named pipe of inode {@code inode} */
    PipeImage fifo(long inode, long pid, int fd) throws ImageException {
        PipeImage p = fifos.get(inode);
        if (p == null) {
            throw new ImageException("process " + pid + " fd " + fd + " is a FIFO the index does not list", folder);
        }
        return p;
    }

    /** @return true the first time it is asked for the FIFO {@code inode}: its contents are still to be written */
    boolean prime(long inode) {
        return primed.add(inode);
    }

    /** Records a descriptor kept in {@code pid} until every process has its descriptors, for no one to take over. */
    void keep(long pid, int fd) {
        parked.computeIfAbsent(pid, k -> new ArrayList<>()).add(fd);
    }

    /** @return the pipe's saved bytes */
    byte[] contents(PipeImage p) throws ImageException {
        byte[] b = io.quiesce.api.image.SecureFiles.readBounded(folder.resolve(p.dataFile()), p.bytes());
        if (b.length != p.bytes()) {
            throw new ImageException("holds " + b.length + " bytes, the index says " + p.bytes(), folder.resolve(p.dataFile()));
        }
        return b;
    }

    /** @return who holds description {@code share} already, or null */
    public Holder holder(int share) {
        return share == 0 ? null : holders.get(share);
    }

    /** Records that {@code pid} holds description {@code share} at {@code fd}, unless another process does already. */
    public void hold(int share, long pid, long nsPid, int fd) {
        if (share != 0) {
            holders.putIfAbsent(share, new Holder(pid, nsPid, fd));
        }
    }

    /** Records a descriptor kept in {@code pid} only so that another process can take it over. */
    void park(int share, long pid, long nsPid, int fd) {
        holders.put(share, new Holder(pid, nsPid, fd));
        parked.computeIfAbsent(pid, k -> new ArrayList<>()).add(fd);
    }

    /** @return the descriptors parked in {@code pid}, forgotten here */
    List<Integer> takeParked(long pid) {
        List<Integer> l = parked.remove(pid);
        holders.values().removeIf(h -> h.pid() == pid && l != null && l.contains(h.fd()));
        return l == null ? List.of() : l;
    }

    /** @return true the first time it is asked for {@code share}: its status flags are still to be set */
    boolean firstFlags(int share) {
        return flagsSet.add(share);
    }
}
