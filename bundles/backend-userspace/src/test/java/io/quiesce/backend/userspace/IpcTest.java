package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.IpcImage;
import io.quiesce.backend.userspace.image.MemfdImage;
import io.quiesce.backend.userspace.image.SysvShmImage;
import io.quiesce.backend.userspace.linux.Syscalls;
import io.quiesce.backend.userspace.proc.ProcMaps;
import io.quiesce.backend.userspace.proc.Vma;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.After;
import org.junit.Test;

/**
 * Memory and IPC objects real programs hold, through checkpoint→continue and checkpoint→kill→restart: memfds
 * (memfd00), SysV shared memory (sysvshm00), POSIX shared memory (posixshm00), files in temporary folders (tmpfiles00).
 */
public class IpcTest extends EngineTest {
    private static long lastN(Path out, String who) throws Exception {
        List<String> l = Scenarios.lines(out);
        for (int i = l.size() - 1; i >= 0; i--) {
            if (l.get(i).startsWith(who + " n=")) {
                return field(l.get(i), "n");
            }
        }
        return 0;
    }

    /** Checkpoints a parent/child pair with continue, then with kill, restores it and checks both carry on together. */
    private List<Long> continueThenRestart(String scenario, Path out, Runnable betweenKillAndRestore, String... args) throws Exception {
        int[] pc = startPair(scenario, out, args);
        await(out, l -> l.startsWith("child n=3 "), 5000);
        checkpoint(false, pc);
        long resumed = lastN(out, "parent");
        await(out, l -> l.startsWith("parent n=") && field(l, "n") > resumed + 3, 5000);
        Path folder = checkpoint(true, pc);
        lastFolder = folder;
        long parentN = lastN(out, "parent");
        long childN = lastN(out, "child");
        betweenKillAndRestore.run();
        List<Long> pids;
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), false))) {
            rs.restore();
            pids = rs.release();
            pids.forEach(p -> children.add((int) (long) p));
            lastWarnings = rs.warnings();
        }
        long np = pids.get(0);
        long nc = pids.get(1);
        String first = await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + np), 5000);
        assertEquals("the parent's counter went on from the saved memory", parentN + 1, field(first, "n"));
        await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + np) && field(l, "other") > childN + 3, 5000);
        await(out, l -> l.startsWith("child n=") && l.endsWith(" pid=" + nc) && field(l, "other") > parentN + 3, 5000);
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH"));
        // the restored job is checkpointed and restored again (what it holds now is ours: parked descriptors gone,
        // seals and segments as saved)
        int[] again = { (int) np, (int) nc };
        children.remove((Integer) again[0]);
        children.remove((Integer) again[1]);
        others.add(again[0]);
        others.add(again[1]);
        Path second = checkpoint(true, again);
        long secondN = lastN(out, "parent");
        List<Long> pids2;
        try (RestoreSession rs = backend.openRestore(second, new RestoreOptions(root(), null, Map.of(), false))) {
            rs.restore();
            pids2 = rs.release();
            pids2.forEach(p -> children.add((int) (long) p));
        }
        String next = await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + pids2.get(0)), 5000);
        assertEquals(secondN + 1, field(next, "n"));
        await(out, l -> l.startsWith("child n=") && l.endsWith(" pid=" + pids2.get(1)) && field(l, "other") > secondN + 3, 5000);
        assertFalse(Files.readString(out).contains("MISMATCH"));
        return pids2;
    }

    private Path lastFolder;
    private List<String> lastWarnings = List.of();
    private final List<String> keys = new ArrayList<>();

    /** Marks the test's keyed SysV segments for removal: they go with the last process that has them attached. */
    @After
    public void removeSegments() throws Exception {
        for (String key : keys) {
            new ProcessBuilder("ipcrm", "-M", key).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        }
    }

    private static List<String> mapsNames(long pid) throws Exception {
        return ProcMaps.read(Path.of("/proc"), pid).stream().map(Vma::path).filter(p -> p != null).toList();
    }

    @Test(timeout = 40000)
    public void memfdsKeepNameSealsOffsetContentsAndSharing() throws Exception {
        Path out = root().resolve("memfd.out");
        List<Long> pids = continueThenRestart("memfd00", out, () -> { });
        IpcImage ipc = ImageFiles.readIndex(lastFolder).ipcOrEmpty();
        Map<String, MemfdImage> byName = ipc.memfds().stream().collect(Collectors.toMap(MemfdImage::name, m -> m));
        assertEquals("the two memfds descriptors hold, saved once for both processes: " + ipc.memfds(), 2, ipc.memfds().size());
        assertEquals(Syscalls.F_SEAL_WRITE | Syscalls.F_SEAL_SHRINK | Syscalls.F_SEAL_GROW | Syscalls.F_SEAL_SEAL,
                byName.get("quiesce-sealed").seals());
        assertEquals(3 * 4096, byName.get("quiesce-data").size());
        for (long pid : pids) {
            List<String> names = mapsNames(pid);
            assertTrue(names.toString(), names.contains("/memfd:quiesce-data (deleted)"));
            assertTrue(names.toString(), names.contains("/memfd:quiesce-sealed (deleted)"));
            assertTrue("a memfd only a mapping held keeps its name: " + names, names.contains("/memfd:quiesce-lonely (deleted)"));
        }
        // one object for both processes
        long parentInode = ProcMaps.read(Path.of("/proc"), pids.get(0)).stream()
                .filter(v -> "/memfd:quiesce-data (deleted)".equals(v.path()) && v.shared()).findFirst().orElseThrow().inode();
        long childInode = ProcMaps.read(Path.of("/proc"), pids.get(1)).stream()
                .filter(v -> "/memfd:quiesce-data (deleted)".equals(v.path()) && v.shared()).findFirst().orElseThrow().inode();
        assertEquals(parentInode, childInode);
    }

    @Test(timeout = 40000)
    public void sysvSegmentsComeBackAttachedWithKeyModeAndRemoval() throws Exception {
        Path out = root().resolve("sysv.out");
        List<Long> pids = continueThenRestart("sysvshm00", out, () -> {
            try {
                keys.add(Scenarios.lines(out).stream().filter(l -> l.startsWith("ids ")).findFirst().orElseThrow().split("key=")[1]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        IpcImage ipc = ImageFiles.readIndex(lastFolder).ipcOrEmpty();
        assertEquals(ipc.sysvShm().toString(), 2, ipc.sysvShm().size());
        SysvShmImage keyed = ipc.sysvShm().stream().filter(x -> x.key() != 0).findFirst().orElseThrow();
        assertEquals(0640, keyed.mode());
        assertEquals(3 * 4096, keyed.size());
        assertFalse(keyed.removed());
        assertTrue(ipc.sysvShm().stream().anyMatch(x -> x.key() == 0 && x.removed()));
        String line = await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + pids.get(0)), 5000);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // shm_next_id may be written by root in the host's IPC namespace: the shmids the program kept still work
            assertTrue(line + " " + lastWarnings, line.contains(" ids=same "));
            assertFalse(lastWarnings.toString(), lastWarnings.stream().anyMatch(w -> w.contains("shmid")));
        } else if (line.contains(" ids=changed ")) {
            assertTrue("a changed shmid is reported: " + lastWarnings, lastWarnings.stream().anyMatch(w -> w.contains("has shmid")));
        }
        // the child's two attachments of the keyed segment, one read-only
        long ro = ProcMaps.read(Path.of("/proc"), pids.get(1)).stream().filter(v -> v.path() != null && v.path().startsWith("/SYSV")
                && v.perms().startsWith("r--")).count();
        assertEquals(1, ro);
    }

    @Test(timeout = 40000)
    public void posixSharedMemoryIsRecreatedWhenRemovedBeforeRestart() throws Exception {
        Path out = root().resolve("posixshm.out");
        String name = "/quiesce-posixshm00-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path file = Path.of("/dev/shm" + name);
        try {
            continueThenRestart("posixshm00", out, () -> {
                try {
                    Files.delete(file);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, name);
            assertTrue(Files.isRegularFile(file));
            assertTrue(ImageFiles.readIndex(lastFolder).ipcOrEmpty().tempFiles().stream().anyMatch(t -> t.path().equals(file.toString())));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test(timeout = 40000)
    public void aDeletedSharedFileThatOnlyMappingsHoldIsSavedThroughThemAndStaysShared() throws Exception {
        Path out = root().resolve("deletedshm.out");
        String name = "/quiesce-deletedshm00-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try {
            List<Long> pids = continueThenRestart("deletedshm00", out, () -> {
            }, name);
            assertFalse("a file the job had deleted is not recreated under its name", Files.exists(Path.of("/dev/shm" + name)));
            // the child's two views (read-write, read-only) are one object, named after the file
            List<Vma> views = ProcMaps.read(Path.of("/proc"), pids.get(1)).stream()
                    .filter(v -> v.path() != null && v.path().equals("/memfd:" + name.substring(1) + " (deleted)")).toList();
            assertEquals(views.toString(), 2, views.size());
            assertEquals(1, views.stream().map(Vma::inode).distinct().count());
        } finally {
            Files.deleteIfExists(Path.of("/dev/shm" + name));
        }
    }

    @Test(timeout = 40000)
    public void sessionFolderInATemporaryFolderIsRecreatedWithItsFilesAndFifo() throws Exception {
        Path out = root().resolve("tmpfiles.out");
        Path top = Files.createDirectory(root().resolve("tmpfiles"));
        Path session = top.resolve("session");
        continueThenRestart("tmpfiles00", out, () -> {
            try (java.util.stream.Stream<Path> walk = Files.walk(session)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, top.toString(), "150");
        await(out, l -> l.startsWith("parent late "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("parent late fifo ok"));
        assertFalse(all, all.contains("MISMATCH"));
        assertTrue("the log only written is recreated with what it held", Files.readString(session.resolve("output.log")).startsWith("n=1\n"));
    }

    @Test(timeout = 30000)
    public void segmentAlsoAttachedOutsideTheJobIsRefusedAndTheJobRunsOn() throws Exception {
        Path out = root().resolve("sysv-outside.out");
        int[] pc = startPair("sysvshm00", out);
        keys.add(Scenarios.lines(out).stream().filter(l -> l.startsWith("ids ")).findFirst().orElseThrow().split("key=")[1]);
        await(out, l -> l.startsWith("child n=3 "), 5000);
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pc[0]))) { // the child is not in the job
            s.freeze();
            try {
                s.dump(Scenarios.staging(root()));
                fail("a segment shared with a process outside the job was dumped");
            } catch (NotSupportedException e) {
                assertTrue(e.getMessage(), e.getMessage().matches("SysV segment \\d+ \\(key 0x[0-9a-f]+\\) of process " + pc[0]
                        + " is attached [23] times, only 1 of them in the job: .*")); // either segment may be met first
            }
            s.resume();
        }
        long n = lastN(out, "parent");
        await(out, l -> l.startsWith("parent n=") && field(l, "n") > n + 3, 5000);
        assertFalse(Files.readString(out).contains("MISMATCH"));
    }

    @Test(timeout = 30000)
    public void memfdMappedPrivatelyWithNoDescriptorIsRefusedAndTheJobRunsOn() throws Exception {
        Path out = root().resolve("memfd-private.out");
        int[] pc = startPair("memfd00", out, "private-lonely");
        await(out, l -> l.startsWith("child n=3 "), 5000);
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pc[0], pc[1]))) {
            s.freeze();
            try {
                s.dump(Scenarios.staging(root()));
                fail("a private mapping of a memfd no descriptor holds was dumped");
            } catch (NotSupportedException e) {
                assertTrue(e.getMessage(), e.getMessage().matches("process " + pc[0]
                        + " maps memfd quiesce-lonely privately \\([0-9a-f]+-[0-9a-f]+\\) but no descriptor of the job holds it: .*"));
            }
            s.resume();
        }
        long n = lastN(out, "parent");
        await(out, l -> l.startsWith("parent n=") && field(l, "n") > n + 3, 5000);
        assertFalse(Files.readString(out).contains("MISMATCH"));
    }
}
