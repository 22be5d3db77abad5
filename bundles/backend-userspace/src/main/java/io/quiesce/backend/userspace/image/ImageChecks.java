package io.quiesce.backend.userspace.image;

import io.quiesce.api.ImageException;
import io.quiesce.api.image.ImageFields;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Checks every field of the backend's files before a restore uses it, so that a damaged or edited image fails
 * naming the file and the field instead of with a raw exception, or a process that dies after a "successful"
 * restore. The checks are what the restore relies on (lists present, sizes bounded, kinds known, names inside the
 * folder) plus cheap register sanity: a saved thread must have somewhere to return to.
 */
public final class ImageChecks {
    /** Number of values in an x86_64 user_regs_struct. */
    public static final int REGS = 27;
    /** Index of rip in user_regs_struct. */
    static final int RIP = 16;
    /** Index of rsp in user_regs_struct. */
    static final int RSP = 19;
    /** Largest XSAVE area accepted (the kernel's is a few KiB; AMX makes it about 11 KiB). */
    static final int MAX_XSTATE = 1 << 16;
    /** First address past the x86_64 user address space (47-bit; 57-bit with 5-level paging). */
    static final long USER_END = 1L << 57;
    private static final long PAGE = 4096;

    private ImageChecks() {
    }

    /**
     * @param index the index as read
     * @param file  its file
     * @return the index
     * @throws ImageException naming the field at fault
     */
    public static ImageIndex index(ImageIndex index, Path file) throws ImageException {
        for (String p : list(index.processes(), "processes", file)) {
            ImageFields.relative(p, "processes", file);
        }
        for (PipeImage p : index.pipesOrEmpty()) {
            ImageFields.present(p, "pipes", file);
            ImageFields.range(p.bytes(), Integer.MAX_VALUE, "pipes.bytes", file);
            ImageFields.range(p.capacity(), Integer.MAX_VALUE, "pipes.capacity", file);
            if (p.bytes() > 0) {
                ImageFields.relative(p.dataFile(), "pipes.dataFile", file);
            }
        }
        for (GhostImage g : index.ghostsOrEmpty()) {
            ImageFields.present(g, "ghosts", file);
            ImageFields.relative(g.dataFile(), "ghosts.dataFile", file);
            ImageFields.range(g.bytes(), Long.MAX_VALUE, "ghosts.bytes", file);
            ImageFields.present(g.path(), "ghosts.path", file);
            ImageFields.range(g.mode(), 07777, "ghosts.mode", file);
        }
        for (ZombieImage z : index.zombiesOrEmpty()) {
            ImageFields.present(z, "zombies", file);
            ImageFields.range(z.pid(), Integer.MAX_VALUE, "zombies.pid", file);
        }
        return index;
    }

    /**
     * @param image a process image as read
     * @param file  its file
     * @return the image
     * @throws ImageException naming the field at fault
     */
    public static ProcessImage process(ProcessImage image, Path file) throws ImageException {
        ImageFields.range(image.pid(), Integer.MAX_VALUE, "pid", file);
        ImageFields.range(image.ppid(), Integer.MAX_VALUE, "ppid", file);
        ImageFields.range(image.nsPid(), Integer.MAX_VALUE, "nsPid", file);
        ImageFields.present(image.comm(), "comm", file);
        ImageFields.present(image.cwd(), "cwd", file);
        ImageFields.range(image.umask(), 0777, "umask", file);
        ImageFields.present(image.mm(), "mm", file);
        ImageFields.relative(image.pagesFile(), "pagesFile", file);
        ImageFields.range(image.pagesBytes(), Long.MAX_VALUE, "pagesBytes", file);
        list(image.argv(), "argv", file);
        for (ThreadImage t : list(image.threads(), "threads", file)) {
            long[] regs = ImageFields.present(t.regs(), "threads.regs", file);
            if (regs.length != REGS) {
                throw new ImageException("field 'threads.regs' holds " + regs.length + " values, expected " + REGS, file);
            }
            if (regs[RIP] <= 0 || regs[RIP] >= USER_END) {
                throw new ImageException(String.format("field 'threads.regs' has rip 0x%x, not a user address", regs[RIP]), file);
            }
            if (regs[RSP] <= 0 || regs[RSP] >= USER_END) {
                throw new ImageException(String.format("field 'threads.regs' has rsp 0x%x, not a user address", regs[RSP]), file);
            }
            byte[] x = ImageFields.present(t.xstate(), "threads.xstate", file);
            if (x.length < 512 || x.length > MAX_XSTATE) {
                throw new ImageException("field 'threads.xstate' holds " + x.length + " bytes, expected 512.." + MAX_XSTATE, file);
            }
        }
        if (image.threads().isEmpty()) {
            throw new ImageException("field 'threads' is empty: a process has at least one thread", file);
        }
        long last = 0;
        // every thread's rip must lie in an executable mapping of the image
        java.util.Map<Long, Boolean> ripMapped = new java.util.LinkedHashMap<>();
        image.threads().forEach(t -> ripMapped.put(t.regs()[RIP], false));
        for (VmaImage v : list(image.vmas(), "vmas", file)) {
            String where = String.format("vmas[0x%x]", v.start());
            if ("[vsyscall]".equals(v.path()) && v.runs().isEmpty()) {
                continue; // at its fixed kernel address above user space; never mapped by the restore
            }
            if (v.start() % PAGE != 0 || v.end() % PAGE != 0 || v.start() >= v.end() || v.end() > USER_END || v.start() < last) {
                throw new ImageException(String.format("field '%s' spans 0x%x-0x%x: not page aligned, empty, outside user space or"
                        + " out of order", where, v.start(), v.end()), file);
            }
            last = v.end();
            String perms = v.perms();
            if (perms == null || !perms.matches("[r-][w-][x-][ps]")) {
                throw new ImageException("field '" + where + ".perms' is " + (perms == null ? "missing" : "\"" + perms + "\"")
                        + ", expected the form rwxp of /proc/PID/maps", file);
            }
            ImageFields.range(v.offset(), Long.MAX_VALUE, where + ".offset", file);
            if (perms.charAt(2) == 'x') {
                ripMapped.replaceAll((rip, seen) -> seen || rip >= v.start() && rip < v.end());
            }
            for (PageRun r : v.runs()) {
                ImageFields.present(r, where + ".runs", file);
                ImageFields.range(r.length(), v.end() - v.start(), where + ".runs.length", file);
                ImageFields.range(r.fileOffset(), Long.MAX_VALUE, where + ".runs.fileOffset", file);
            }
        }
        for (java.util.Map.Entry<Long, Boolean> e : ripMapped.entrySet()) {
            if (!e.getValue()) {
                throw new ImageException(String.format("field 'threads.regs' has rip 0x%x, which no executable mapping of the image holds",
                        e.getKey()), file);
            }
        }
        for (FdImage f : list(image.fds(), "fds", file)) {
            ImageFields.range(f.fd(), Integer.MAX_VALUE, "fds.fd", file);
            ImageFields.oneOf(f.kind(), FdImage.KINDS, "fds[" + f.fd() + "].kind", file);
            ImageFields.present(f.path(), "fds[" + f.fd() + "].path", file);
            ImageFields.range(f.offset(), Long.MAX_VALUE, "fds[" + f.fd() + "].offset", file);
            ImageFields.range(f.share(), Integer.MAX_VALUE, "fds[" + f.fd() + "].share", file);
        }
        for (SigactionImage s : list(image.sigactions(), "sigactions", file)) {
            if (s.signal() < 1 || s.signal() > 64) {
                throw new ImageException("field 'sigactions.signal' is " + s.signal() + ", expected 1..64", file);
            }
        }
        if (image.pendingSignals() != null) {
            for (PendingSignalImage p : image.pendingSignals()) {
                ImageFields.present(p, "pendingSignals", file);
                if (p.signal() < 1 || p.signal() > 64 || p.siginfo() == null || p.siginfo().length != 128) {
                    throw new ImageException("field 'pendingSignals' holds signal " + p.signal() + " with "
                            + (p.siginfo() == null ? "no" : p.siginfo().length + " bytes of") + " siginfo (expected 1..64, 128 bytes)",
                            file);
                }
            }
        }
        if (image.rlimits() != null) {
            for (RlimitImage r : image.rlimits()) {
                ImageFields.present(r, "rlimits", file);
                ImageFields.range(r.resource(), 15, "rlimits.resource", file);
            }
        }
        return image;
    }

    private static <T> List<T> list(List<T> list, String field, Path file) throws ImageException {
        ImageFields.present(list, field, file);
        for (T t : list) {
            ImageFields.present(t, field + " (an element)", file);
        }
        return list;
    }
}
