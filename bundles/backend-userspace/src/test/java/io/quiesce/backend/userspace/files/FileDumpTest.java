package io.quiesce.backend.userspace.files;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import io.quiesce.backend.userspace.image.FdImage;
import org.junit.Test;

/** Descriptor classification by st_mode. */
public class FileDumpTest {
    @Test
    public void regularFilesCharDevicesFifosAndDirectoriesOnly() {
        assertEquals(FdImage.REGULAR, FileDump.classify(0100644));
        assertEquals(FdImage.CHAR_DEVICE, FileDump.classify(0020666));
        assertEquals(FdImage.DIRECTORY, FileDump.classify(0040755));
        assertEquals(FdImage.FIFO, FileDump.classify(0010600));
        assertNull("socket", FileDump.classify(0140777));
        assertNull("block device", FileDump.classify(0060660));
        assertNull("not a path at all", FileDump.classify(0));
    }
}
