package io.quiesce.backend.userspace.proc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Pagemap entries: reading them at an address from a fixture file, and which pages must be saved. */
public class PagemapTest {
    private static final long PRESENT = 1L << 63, SWAPPED = 1L << 62, FILE = 1L << 61, SOFT_DIRTY = 1L << 55;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void readsEntriesAtAnAddress() throws IOException {
        Path proc = tmp.getRoot().toPath();
        Files.createDirectories(proc.resolve("7"));
        ByteBuffer b = ByteBuffer.allocate(8 * 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            b.putLong(i % 2 == 0 ? PRESENT | i : 0);
        }
        Files.write(proc.resolve("7/pagemap"), b.array());
        try (Pagemap p = new Pagemap(proc, 7)) {
            assertArrayEquals(new long[] { PRESENT | 4, 0, PRESENT | 6 }, p.entries(4 * Pagemap.PAGE, 3));
            assertThrows(IOException.class, () -> p.entries(15 * Pagemap.PAGE, 2));
        }
    }

    @Test
    public void selection() {
        assertFalse("never touched", Pagemap.mustSave(0, false));
        assertFalse("soft-dirty alone is no content", Pagemap.mustSave(SOFT_DIRTY, false));
        assertTrue("anonymous page in memory", Pagemap.mustSave(PRESENT, false));
        assertTrue("anonymous page in swap", Pagemap.mustSave(SWAPPED, false));
        assertTrue("shared-anon page in an anonymous mapping", Pagemap.mustSave(PRESENT | FILE, false));
        assertFalse("unchanged page of the mapped file", Pagemap.mustSave(PRESENT | FILE, true));
        assertTrue("copied-on-write page of a file mapping", Pagemap.mustSave(PRESENT, true));
    }
}
