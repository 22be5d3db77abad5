package io.quiesce.backend.blcr;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertTrue(new BlcrProbe(ctrl, Optional.of(lib), "3.10.0").probe().available());
        Availability noLib = new BlcrProbe(ctrl, Optional.empty(), "3.10.0").probe();
        assertTrue(noLib.reason(), noLib.reason().startsWith("libcr.so.0 is not installed"));
        Files.delete(ctrl);
        Availability noModule = new BlcrProbe(ctrl, Optional.of(lib), "6.18.44").probe();
        assertTrue(noModule.reason(), noModule.reason().contains("module is not loaded") && noModule.reason().contains("6.18.44"));
    }
}
