package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.proc.ProcMaps;
import io.quiesce.backend.userspace.proc.Vma;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.Test;

/** Shared anonymous memory between a parent and its child, aliased, read-only, and written by an exited child (shm00). */
public class SharedMemoryTest extends EngineTest {
    private static long lastN(Path out, String who) throws Exception {
        List<String> l = Scenarios.lines(out);
        for (int i = l.size() - 1; i >= 0; i--) {
            if (l.get(i).startsWith(who + " n=")) {
                return field(l.get(i), "n");
            }
        }
        return 0;
    }

    private static long savedBytes(ProcessImage image) {
        return image.vmas().stream().filter(v -> v.shmem() > 0).flatMap(v -> v.runs().stream()).mapToLong(r -> r.length()).sum();
    }

    @Test(timeout = 30000)
    public void sharedAnonymousMemoryStaysSharedAfterRestore() throws Exception {
        Path out = root().resolve("shm.out");
        int[] pc = startPair("shm00", out, "150");
        await(out, l -> l.startsWith("child n=3 "), 5000);
        Path folder = checkpoint(true, pc);
        long parentN = lastN(out, "parent");
        long childN = lastN(out, "child");
        ProcessImage parent = ImageFiles.readProcess(folder.resolve("process-" + pc[0] + ".json"));
        ProcessImage child = ImageFiles.readProcess(folder.resolve("process-" + pc[1] + ".json"));
        Set<Integer> parentObjects = parent.vmas().stream().map(VmaImage::shmem).filter(s -> s > 0).collect(Collectors.toSet());
        Set<Integer> childObjects = child.vmas().stream().map(VmaImage::shmem).filter(s -> s > 0).collect(Collectors.toSet());
        assertEquals("two objects, the counter one mapped twice in the parent: " + parent.vmas(), 2, parentObjects.size());
        assertEquals(3, parent.vmas().stream().filter(v -> v.shmem() > 0).count());
        assertEquals("the child maps the same two objects", parentObjects, childObjects);
        // counters, pattern page, the exited child's page, read-only page: saved once, by the parent (dumped first)
        assertEquals(4 * 4096, savedBytes(parent));
        assertEquals("nothing saved twice", 0, savedBytes(child));
        List<Long> pids = restore(folder);
        long np = pids.get(0);
        long nc = pids.get(1);
        // each sees the other's counter move past where it was at the checkpoint
        await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + np) && field(l, "other") > childN + 3, 5000);
        await(out, l -> l.startsWith("child n=") && l.endsWith(" pid=" + nc) && field(l, "other") > parentN + 3, 5000);
        String first = await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + np), 5000);
        assertEquals("the parent's counter went on from the saved memory", parentN + 1, field(first, "n"));
        await(out, l -> l.startsWith("parent late "), 10000);
        await(out, l -> l.startsWith("child late "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("parent late ok") && all.contains("child late ok"));
        assertFalse(all, all.contains("MISMATCH"));
        // one memory object per saved object, mapped by both processes
        Set<Long> parentInodes = ProcMaps.read(Path.of("/proc"), np).stream().filter(v -> v.shared() && v.inode() != 0)
                .map(Vma::inode).collect(Collectors.toSet());
        Set<Long> childInodes = ProcMaps.read(Path.of("/proc"), nc).stream().filter(v -> v.shared() && v.inode() != 0)
                .map(Vma::inode).collect(Collectors.toSet());
        assertEquals(2, parentInodes.size());
        assertEquals(parentInodes, childInodes);
        assertTrue(ProcMaps.read(Path.of("/proc"), np).stream().anyMatch(v -> v.shared() && v.perms().startsWith("r--")));
    }
}
