package io.quiesce.shell;

import io.quiesce.api.home.HomeFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A size-bounded log file: {@code NAME} grows to {@code limit} bytes, then becomes {@code NAME.1} (the older
 * {@code NAME.1} becomes {@code NAME.2}, and so on up to {@code keep}) and a new {@code NAME} is started, so the
 * log never takes more than {@code (keep + 1) × 2 × limit} bytes. Files are 0600 and opened without following
 * links. A file ends at the first line end past the limit (a line longer than the limit is cut at twice it). Thread-safe.
 */
public final class RollingLog extends OutputStream {
    private final Path file;
    private final long limit;
    private final int keep;
    private OutputStream out;
    private long size;
    private boolean atLineStart = true;

    /**
     * @param file  the log file, in a trusted folder
     * @param limit bytes per file
     * @param keep  how many older files to keep
     * @throws IOException when it cannot be opened, or is refused (a link, another user's)
     */
    public RollingLog(Path file, long limit, int keep) throws IOException {
        this.file = file;
        this.limit = limit;
        this.keep = keep;
        open();
    }

    private void open() throws IOException {
        try {
            HomeFiles.check(file, false);
        } catch (NoSuchFileException fresh) {
            // created below
        }
        FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        size = ch.size();
        out = Channels.newOutputStream(ch);
    }

    private void rotate() throws IOException {
        out.close();
        for (int i = keep; i >= 1; i--) {
            Path from = i == 1 ? file : file.resolveSibling(file.getFileName() + "." + (i - 1));
            if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(from, file.resolveSibling(file.getFileName() + "." + i), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        open();
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            // a file ends at the first line end past the limit, or at twice the limit for a line that long
            if ((size >= limit && atLineStart) || size >= 2 * limit) {
                rotate();
            }
            int n = (int) Math.min(len, 2 * limit - size);
            out.write(b, off, n);
            size += n;
            atLineStart = b[off + n - 1] == '\n';
            off += n;
            len -= n;
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
