package io.quiesce.backend.userspace.image;

import io.quiesce.api.image.FdEntry;
import io.quiesce.api.image.MemoryRegion;
import io.quiesce.api.image.PageRun;
import io.quiesce.api.image.ProcessRecord;
import java.util.List;

/** Summarises a saved process in the platform's image model, for the manifest and {@code inspect}. */
public final class ManifestRecords {
    private ManifestRecords() {
    }

    /**
     * @param image a process as this engine saved it
     * @param pipes  the job's pipes and FIFOs, for the files holding their bytes in flight
     * @param ghosts the job's deleted files, for the files holding their contents
     * @return its record: identity, every mapping with its saved runs and checksums, every descriptor
     */
    public static ProcessRecord of(ProcessImage image, List<PipeImage> pipes, List<GhostImage> ghosts) {
        List<MemoryRegion> regions = image.vmas().stream().map(v -> {
            List<PageRun> runs = v.runs().stream().map(r -> new PageRun(r.address(), r.length(), r.fileOffset(), r.crc32c())).toList();
            long saved = runs.stream().mapToLong(PageRun::length).sum();
            return new MemoryRegion(v.start(), v.end(), v.perms(), v.path(), saved, runs.isEmpty() ? null : image.pagesFile(), runs);
        }).toList();
        List<FdEntry> fds = image.fds().stream().map(f -> fd(f, pipes, ghosts)).toList();
        return new ProcessRecord(image.pid(), image.ppid(), image.comm(), image.argv(), image.threads().size(), regions, fds);
    }

    private static FdEntry fd(FdImage f, List<PipeImage> pipes, List<GhostImage> ghosts) {
        String data = pipes.stream().filter(p -> p.inode() == f.inode() && p.bytes() > 0).map(PipeImage::dataFile).findFirst().orElse(null);
        return switch (f.kind()) {
            case FdImage.REGULAR -> ghosts.stream().filter(g -> g.inode() == f.inode() && g.linkText().equals(f.path())).findFirst()
                    .map(g -> new FdEntry.RegularFile(f.fd(), g.path(), f.offset(), f.flags(), true, g.dataFile()))
                    .orElse(new FdEntry.RegularFile(f.fd(), f.path(), f.offset(), f.flags(), false, null));
            case FdImage.CHAR_DEVICE -> new FdEntry.CharDevice(f.fd(), f.path(), f.flags());
            case FdImage.PIPE -> new FdEntry.Pipe(f.fd(), f.inode(), f.writeEnd(), f.flags(), data);
            case FdImage.FIFO -> new FdEntry.Fifo(f.fd(), f.path(), f.flags(), data);
            case FdImage.SOCKET -> new FdEntry.Other(f.fd(), f.path());
            default -> new FdEntry.Other(f.fd(), f.kind() + ":" + f.path());
        };
    }
}
