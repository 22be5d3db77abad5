package io.quiesce.backend.userspace.files;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.ImageFields;
import io.quiesce.api.image.SecureFiles;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.WrittenFileImage;
import io.quiesce.backend.userspace.linux.LibC;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The regular files a job writes, DMTCP's {@code --ckpt-open-files} made safe by default: at checkpoint each file
 * open for writing (not append-only: a log that grew is harmless) is recorded with its size, modification time and
 * inode, and optionally copied into the image (with a reflink, {@code FICLONE}, where the filesystem has them). At
 * restart a file that changed since is refused by name, because the restored process would go on from its saved
 * offsets into other contents (a database rolled back or torn); the user may keep today's files (a warning names
 * each) or the copy is put back.
 */
public final class WrittenFiles {
    /** ioctl(FICLONE): share the source's extents (btrfs, XFS); EOPNOTSUPP elsewhere. */
    private static final long FICLONE = 0x40049409L;

    private WrittenFiles() {
    }

    /**
     * Records (and with {@code save} copies) the job's files open for writing.
     *
     * @param proc   the /proc root
     * @param fds    every process's descriptors
     * @param folder the staging folder
     * @param save   true to copy each file into the image
     * @return the files, each once
     * @throws CheckpointException when a file cannot be read or copied
     */
    public static List<WrittenFileImage> dump(Path proc, Map<Long, List<FdImage>> fds, Path folder, boolean save)
            throws CheckpointException {
        Map<String, WrittenFileImage> byPath = new LinkedHashMap<>();
        for (Map.Entry<Long, List<FdImage>> e : fds.entrySet()) {
            for (FdImage f : e.getValue()) {
                if (!FdImage.REGULAR.equals(f.kind()) || !f.writable() || (f.flags() & LibC.O_APPEND) != 0
                        || f.path().endsWith(" (deleted)") || byPath.containsKey(f.path())) {
                    continue;
                }
                Path link = proc.resolve(e.getKey() + "/fd/" + f.fd());
                try {
                    PosixFileAttributes a = Files.readAttributes(link, PosixFileAttributes.class); // the open inode
                    String copy = null;
                    if (save) {
                        copy = "file-" + f.inode() + ".img";
                        copy(link, folder.resolve(copy));
                    }
                    byPath.put(f.path(), new WrittenFileImage(f.path(), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                            f.inode(), copy));
                } catch (IOException x) {
                    throw new CheckpointException("cannot record file " + f.path() + " (process " + e.getKey() + " fd " + f.fd() + "): "
                            + x.getMessage(), e.getKey(), null, link, x);
                }
            }
        }
        return List.copyOf(byPath.values());
    }

    /**
     * Checks the recorded files against the files as they are now, or puts the saved copies back.
     *
     * @param written   the recorded files (null in older images: nothing to check)
     * @param folder    the image folder
     * @param index     the index file, named in errors
     * @param relocate  maps a saved path to where it is now
     * @param keep      true to run against changed files, with a warning each
     * @param warnings  where the warnings go
     * @throws CheckpointException naming each changed file, unless {@code keep}
     */
    public static void prepare(List<WrittenFileImage> written, Path folder, Path index, UnaryOperator<String> relocate, boolean keep,
            List<String> warnings) throws CheckpointException {
        if (written == null) {
            return;
        }
        List<String> changed = new ArrayList<>();
        for (WrittenFileImage w : written) {
            ImageFields.present(w, "written", index);
            ImageFields.present(w.path(), "written.path", index);
            ImageFields.range(w.size(), Long.MAX_VALUE, "written.size", index);
            Path now = Path.of(relocate.apply(w.path()));
            if (w.copy() != null) {
                putBack(folder.resolve(ImageFields.relative(w.copy(), "written.copy", index)), now, w);
                warnings.add("file " + now + " put back as saved at the checkpoint (" + w.size() + " bytes)");
                continue;
            }
            String why = differs(now, w);
            if (why != null) {
                changed.add(now + " (" + why + ")");
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        if (!keep) {
            throw new CheckpointException("files the job had open for writing changed since the checkpoint: " + String.join(", ", changed)
                    + "; the restored processes would go on into other contents. Restart with --files keep to run against"
                    + " them as they are, or checkpoint with --save-files to have them put back");
        }
        changed.forEach(c -> warnings.add("file " + c + " changed since the checkpoint: running against it as it is (--files keep)"));
    }

    private static String differs(Path now, WrittenFileImage w) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(now, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return "missing";
        }
        if (!a.isRegularFile()) {
            return "now " + SecureFiles.kind(a);
        }
        long inode;
        try {
            inode = (Long) Files.getAttribute(now, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return "cannot be examined";
        }
        if (inode != w.inode()) {
            return "replaced by another file";
        }
        if (a.size() != w.size()) {
            return a.size() + " bytes, " + w.size() + " at the checkpoint";
        }
        if (a.lastModifiedTime().to(TimeUnit.NANOSECONDS) != w.mtimeNs()) {
            return "modified since";
        }
        return null;
    }

    /** Copies the file, under a temporary name renamed over the original so a reader never sees half of it. */
    private static void putBack(Path copy, Path target, WrittenFileImage w) throws CheckpointException {
        Path tmp = target.resolveSibling(".quiesce-restore-" + target.getFileName());
        try {
            if (SecureFiles.regular(copy).size() != w.size()) {
                throw new ImageException("saved copy of " + target + " is not " + w.size() + " bytes", copy);
            }
            Files.deleteIfExists(tmp);
            PosixFileAttributes old = Files.exists(target) ? Files.readAttributes(target, PosixFileAttributes.class) : null;
            copy(copy, tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ch.force(true); // durable before it replaces the original
            }
            if (old != null) {
                Files.setPosixFilePermissions(tmp, old.permissions());
            }
            Files.setLastModifiedTime(tmp, FileTime.from(w.mtimeNs(), TimeUnit.NANOSECONDS));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the error below names the cause
            }
            throw new CheckpointException("cannot put back " + target + " from " + copy + ": " + e.getMessage(), -1, null, target, e);
        }
    }

    /** Copies a file into a new 0600 file: a reflink where the filesystem can, else the bytes. */
    private static void copy(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ); FileChannel out = ImageFiles.create(to)) {
            if (!reflink(from, to)) {
                long n = 0;
                for (long got; (got = in.transferTo(n, 1 << 30, out)) > 0;) {
                    n += got;
                }
            }
        }
    }

    private static boolean reflink(Path from, Path to) {
        int src = LibC.INSTANCE.open(from.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (src < 0) {
            return false;
        }
        try {
            int dst = LibC.INSTANCE.open(to.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0);
            if (dst < 0) {
                return false;
            }
            try {
                return LibC.INSTANCE.ioctl(dst, FICLONE, src) == 0;
            } finally {
                LibC.INSTANCE.close(dst);
            }
        } finally {
            LibC.INSTANCE.close(src);
        }
    }
}
