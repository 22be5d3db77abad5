package io.quiesce.backend.blcr;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class BlcrProbeTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void thisHostHasNoBlcrAndSaysWhy() {
        Availability a = BlcrProbe.host().probe();
        assertFalse("no BLCR module can exist on this kernel", a.available());
        assertTrue(a.reason(), a.reason().contains("/proc/checkpoint/ctrl"));
        assertTrue(a.reason(), a.reason().contains("3.17"));
    }

    @Test
    public void namesEachMissingPieceAndIsAvailableWithBoth() throws IOException {
        Path ctrl = tmp.newFile("ctrl").toPath();
        Path lib = tmp.newFile("libcr.so.0").toPath();
        List<Path> loaded = new ArrayList<>();
        assertTrue(new BlcrProbe(ctrl, Optional.of(lib), "3.10.0", p -> {
            loaded.add(p);
            return Optional.empty();
        }).probe().available());
        assertEquals("the library is loaded to check it", List.of(lib), loaded);
        Availability noLib = new BlcrProbe(ctrl, Optional.empty(), "3.10.0").probe();
        assertTrue(noLib.reason(), noLib.reason().startsWith("libcr.so.0 is not installed"));
        Files.delete(ctrl);
        loaded.clear();
        Availability noModule = new BlcrProbe(ctrl, Optional.of(lib), "6.18.44", p -> {
            loaded.add(p);
            return Optional.empty();
        }).probe();
        assertTrue(noModule.reason(), noModule.reason().contains("module is not loaded") && noModule.reason().contains("6.18.44"));
        assertEquals("without the module libcr is never loaded", List.of(), loaded);
    }

    @Test
    public void aLibraryThatCannotBeLoadedIsNamed() throws IOException {
        Path ctrl = tmp.newFile("ctrl").toPath();
        Path lib = tmp.newFile("libcr.so.0").toPath(); // empty: not an ELF file
        Availability a = new BlcrProbe(ctrl, Optional.of(lib), "3.10.0").probe();
        assertFalse(a.available());
        assertTrue(a.reason(), a.reason().startsWith("libcr.so.0 at " + lib + " cannot be used: "));
        assertTrue(a.reason(), a.reason().contains("3.17"));
    }

    @Test
    public void aLibraryWithoutTheBoundFunctionsIsRefused() throws Exception {
        Path ctrl = tmp.newFile("ctrl").toPath();
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        Availability a = new BlcrProbe(ctrl, Optional.of(libc), "3.10.0").probe();
        assertFalse("libc has none of libcr's functions", a.available());
        assertTrue(a.reason(), a.reason().contains("cri_init_checkpoint_args_t"));
    }

    @Test
    public void theAbiDoubleLoadsWithEveryBoundFunction() throws Exception {
        Path ctrl = tmp.newFile("ctrl").toPath();
        assertTrue(new BlcrProbe(ctrl, Optional.of(NativeFixtures.libcrDouble()), "3.10.0").probe().available());
    }
}
