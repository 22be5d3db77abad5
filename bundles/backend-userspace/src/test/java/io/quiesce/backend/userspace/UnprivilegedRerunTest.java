package io.quiesce.backend.userspace;

import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Re-runs the engine tests as the unprivileged user {@code qtest}; see {@link UnprivilegedRerun}. */
public class UnprivilegedRerunTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void engineTestsPassWithoutPrivileges() throws Exception {
        UnprivilegedRerun.run(tmp.getRoot().toPath(), Scenarios.SRC, List.of(CheckpointRestoreTest.class, ScenarioTest.class,
                BadImageTest.class, JobFilesTest.class, TreeTest.class, NamespaceTest.class, SharedMemoryTest.class,
                GhostFileTest.class, ZombieTest.class, EventFdsTest.class, TerminalsTest.class, IpcTest.class, ThreadsTest.class), 240,
                l -> l.startsWith("tree restore warnings") || l.contains("Exception"));
    }
}
