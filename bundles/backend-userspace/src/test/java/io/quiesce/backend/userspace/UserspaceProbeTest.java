package io.quiesce.backend.userspace;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.Availability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class UserspaceProbeTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private Path fixture(String yamaScope) throws IOException {
        Path proc = tmp.newFolder("proc").toPath();
        Path self = Files.createDirectories(proc.resolve("self"));
        for (String f : new String[] { "maps", "stat", "status", "pagemap" }) {
            Files.writeString(self.resolve(f), "x");
        }
        if (yamaScope != null) {
            Path yama = Files.createDirectories(proc.resolve("sys/kernel/yama"));
            Files.writeString(yama.resolve("ptrace_scope"), yamaScope + "\n");
        }
        return proc;
    }

    @Test
    public void availableWithoutYamaOrWithScopeOne() throws IOException {
        assertTrue(new UserspaceProbe(fixture(null), "Linux", "amd64", false).probe().available());
        tmp.delete();
        tmp.create();
        assertTrue(new UserspaceProbe(fixture("1"), "Linux", "amd64", false).probe().available());
    }

    @Test
    public void scopeTwoNeedsRootAndScopeThreeNeverWorks() throws IOException {
        Path proc = fixture("2");
        Availability user = new UserspaceProbe(proc, "Linux", "amd64", false).probe();
        assertFalse(user.available());
        assertTrue(user.reason(), user.reason().contains("ptrace_scope = 2"));
        assertTrue(new UserspaceProbe(proc, "Linux", "amd64", true).probe().available());
        Files.writeString(proc.resolve("sys/kernel/yama/ptrace_scope"), "3");
        assertTrue(new UserspaceProbe(proc, "Linux", "amd64", true).probe().reason().contains("disabled"));
    }

    @Test
    public void wrongPlatformOrUnreadableProc() throws IOException {
        Path proc = fixture(null);
        assertEquals(Availability.no("needs x86_64; this is aarch64"), new UserspaceProbe(proc, "Linux", "aarch64", false).probe());
        assertFalse(new UserspaceProbe(proc, "Mac OS X", "amd64", false).probe().available());
        Files.delete(proc.resolve("self/pagemap"));
        assertTrue(new UserspaceProbe(proc, "Linux", "amd64", false).probe().reason().contains("pagemap"));
    }
}
