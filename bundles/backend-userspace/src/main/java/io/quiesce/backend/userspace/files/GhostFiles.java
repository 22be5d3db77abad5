package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.GhostImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Regular files deleted while open ("ghost files", as CRIU calls them). At dump the contents are copied, once per
 * inode, from {@code /proc/PID/fd/N} (which still reaches the inode) into {@code ghost-INODE.img}. At restore each
 * is recreated under its old name when that is free, else under a temporary name in its old directory (or, when
 * that is gone or not writable, in the job's folder), the processes open it (descriptors) or map it (mappings) through that name with their saved flags and
 * offsets, and the name is deleted once every process is rebuilt: they hold a deleted file with the same contents
 * again. Descriptors and mappings are matched to them by link text and inode, so several deleted files of one name
 * (one per process of an MPI job) are each recreated, the first under the old name, the others under temporary ones.
 */
public final class GhostFiles {
    private static final Logger LOG = LoggerFactory.getLogger(GhostFiles.class);

    private final Map<Long, GhostImage> byInode = new LinkedHashMap<>();
    private final Path folder;
    private final Map<Long, Path> created = new LinkedHashMap<>();

    /**
     * Checks every ghost's contents file before any process exists.
     *
     * @throws ImageException when a contents file is missing, outside the folder or not of its recorded size
     */
    public GhostFiles(Path folder, List<GhostImage> ghosts, Path indexFile) throws ImageException {
        this.folder = folder;
        for (GhostImage g : ghosts) {
            Path data = folder.resolve(g.dataFile()).normalize();
            if (!data.startsWith(folder.normalize())) {
                throw new ImageException("names a file outside the image folder: " + g.dataFile(), indexFile);
            }
            try {
                if (Files.size(data) != g.bytes()) {
                    throw new ImageException("holds " + Files.size(data) + " bytes; " + indexFile.getFileName() + " says "
                            + g.bytes(), data);
                }
            } catch (IOException e) {
                throw new ImageException("missing or unreadable (" + e.getMessage() + ")", data);
            }
            byInode.put(g.inode(), g);
        }
    }

    /**
     * Saves the contents of every deleted regular file the job's descriptors hold.
     *
     * @param proc   the /proc root
     * @param fds    the frozen processes' descriptors
     * @param folder the staging folder
     * @return one record per deleted file (inode)
     */
    public static List<GhostImage> dump(Path proc, Map<Long, List<FdImage>> fds, Path folder) throws CheckpointException {
        Map<Long, GhostImage> byInode = new LinkedHashMap<>();
        for (Map.Entry<Long, List<FdImage>> e : fds.entrySet()) {
            long pid = e.getKey();
            for (FdImage f : e.getValue()) {
                if (!deleted(f) || byInode.containsKey(f.inode())) {
                    continue;
                }
                Path link = proc.resolve(pid + "/fd/" + f.fd());
                String name = "ghost-" + f.inode() + ".img";
                Path file = folder.resolve(name);
                try (FileChannel in = FileChannel.open(link, StandardOpenOption.READ); FileChannel out = ImageFiles.create(file)) {
                    long n = 0;
                    for (long got; (got = in.transferTo(n, 1 << 20, out)) > 0;) {
                        n += got;
                    }
                    int mode = (Integer) Files.getAttribute(link, "unix:mode") & 07777;
                    String path = f.path().substring(0, f.path().length() - GhostImage.DELETED.length());
                    byInode.put(f.inode(), new GhostImage(f.inode(), path, name, n, mode));
                    LOG.info("deleted file {} (inode {}) held by process {} fd {}: {} bytes saved", path, f.inode(), pid, f.fd(), n);
                } catch (IOException | RuntimeException x) {
                    throw new CheckpointException(String.format("cannot save deleted file %s of process %d fd %d: %s", f.path(), pid,
                            f.fd(), x.getMessage()), pid, null, link, x);
                }
            }
        }
        return new ArrayList<>(byInode.values());
    }

    /** @return true for a descriptor of a deleted regular file */
    public static boolean deleted(FdImage f) {
        return FdImage.REGULAR.equals(f.kind()) && f.path().endsWith(GhostImage.DELETED);
    }

    /**
     * Recreates every deleted file under a temporary name, 0600 until {@link #removeAll}.
     *
     * @param relocate maps a saved path to the path to use now (the temporary name goes in its directory)
     * @param fallback where a file goes whose directory cannot take it
     */
    public void prepare(UnaryOperator<String> relocate, Path fallback) throws CheckpointException {
        Set<PosixFilePermission> rw = PosixFilePermissions.fromString("rw-------");
        for (GhostImage g : byInode.values()) {
            Path data = folder.resolve(g.dataFile());
            Path old = Path.of(relocate.apply(g.path()));
            Path dir = old.getParent();
            String prefix = ".quiesce-ghost-" + g.inode() + "-";
            Path tmp;
            try {
                // its old name when free, so that the descriptors show the same link text as before
                tmp = Files.createFile(old, PosixFilePermissions.asFileAttribute(rw));
            } catch (IOException | RuntimeException e) {
                tmp = null; // taken again since, or the directory is gone or not writable
            }
            try {
                tmp = tmp != null ? tmp : Files.createTempFile(dir, prefix, "", PosixFilePermissions.asFileAttribute(rw));
            } catch (IOException | RuntimeException e) {
                LOG.info("deleted file {}: cannot recreate it in {} ({}); using {}", g.path(), dir, e.getMessage(), fallback);
                try {
                    tmp = Files.createTempFile(fallback, prefix, "", PosixFilePermissions.asFileAttribute(rw));
                } catch (IOException x) {
                    throw new CheckpointException("cannot recreate deleted file " + g.path() + " in " + dir + " nor in " + fallback
                            + ": " + x.getMessage(), -1, null, fallback, x);
                }
            }
            created.put(g.inode(), tmp);
            try (FileChannel in = io.quiesce.api.image.SecureFiles.openRegular(data);
                    FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                for (long n = 0, got; n < g.bytes(); n += got) {
                    got = in.transferTo(n, g.bytes() - n, out);
                    if (got <= 0) {
                        throw new IOException("short read at " + n);
                    }
                }
            } catch (IOException e) {
                throw new CheckpointException("cannot recreate deleted file " + g.path() + " as " + tmp + ": " + e.getMessage(), -1,
                        null, tmp, e);
            }
        }
    }

    /**
     * @return the name standing for a saved link text ({@code PATH (deleted)}) of inode {@code inode}, or null when
     *         it is not a ghost
     */
    public String pathFor(String linkText, long inode) {
        GhostImage g = byInode.get(inode);
        Path p = created.get(inode);
        return p == null || !g.linkText().equals(linkText) ? null : p.toString();
    }

    /** Gives each recreated file its saved mode and deletes its name; quiet about names already gone. */
    public void removeAll() {
        for (Map.Entry<Long, Path> e : created.entrySet()) {
            GhostImage g = byInode.get(e.getKey());
            try {
                Files.setPosixFilePermissions(e.getValue(), permissions(g.mode()));
                Files.deleteIfExists(e.getValue());
            } catch (IOException | RuntimeException x) {
                LOG.error("cannot delete {} (standing for deleted file {}): {}", e.getValue(), g.path(), x.getMessage());
            }
        }
        created.clear();
    }

    /** @return the permission set of the low 9 bits of {@code mode} */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                s.add(bits[i]);
            }
        }
        return s;
    }
}
