package io.quiesce.backend.userspace.files;

import static org.junit.Assert.assertEquals;

import io.quiesce.backend.userspace.image.FdImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * Numbering and pipe pairing without kcmp: descriptors of different inodes are never compared. (Half a pipe needs a
 * real process, to ask the kernel whether its other end is closed: JobFilesTest.)
 */
public class FileSharingTest {
    private static FdImage fd(int n, String kind, int flags, long inode) {
        return new FdImage(n, kind, FdImage.PIPE.equals(kind) ? "pipe:[" + inode + "]" : "/f" + inode, 0, flags, 0, inode);
    }

    @Test
    public void distinctFilesGetDistinctNumbersAndPipesPair() throws Exception {
        Map<Long, List<FdImage>> fds = new LinkedHashMap<>();
        fds.put(10L, List.of(fd(0, FdImage.CHAR_DEVICE, 0, 1), fd(3, FdImage.PIPE, 1, 77)));
        fds.put(11L, List.of(fd(3, FdImage.PIPE, 0, 77)));
        FileSharing.Result r = FileSharing.assign(fds);
        assertEquals(1, r.fds().get(10L).get(0).share());
        assertEquals(2, r.fds().get(10L).get(1).share());
        assertEquals(3, r.fds().get(11L).get(0).share());
        assertEquals(List.of(new FileSharing.Pipe(77, 3, 2, 11, 3, false)), r.pipes());
    }
}
