package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.RestoreOptions;
import io.quiesce.api.RestoreSession;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ZombieImage;
import io.quiesce.backend.userspace.proc.ProcStat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Children that have ended but are not reaped at the checkpoint (zombie00), without a PID namespace. */
public class ZombieTest extends EngineTest {
    @Test(timeout = 30000)
    public void zombiesAreRecreatedFromTheirRestoredParentWithTheirStatus() throws Exception {
        Path out = root().resolve("zombie.out");
        int[] pc = startPair("zombie00", out, "120");
        await(out, l -> l.startsWith("parent n=3 "), 5000);
        String line = Scenarios.last(out).startsWith("parent child=") ? Scenarios.last(out)
                : await(out, l -> l.startsWith("parent child="), 5000);
        long a = Scenarios.field(line.replace("parent ", ""), "a");
        long b = Scenarios.field(line.replace("parent ", ""), "b");
        Path folder = checkpoint(true, pc);
        List<ZombieImage> zombies = ImageFiles.readIndex(folder).zombies();
        assertEquals(List.of(new ZombieImage(a, 0, pc[0], 7 << 8), new ZombieImage(b, 0, pc[0], 15)), zombies);
        assertEquals("zombies are not saved as processes", 2, ImageFiles.readIndex(folder).processes().size());
        List<Long> pids;
        List<String> warnings;
        List<Long> zombieChildren = new ArrayList<>();
        try (RestoreSession rs = backend.openRestore(folder, new RestoreOptions(root(), null, Map.of(), false))) {
            rs.restore();
            pids = rs.release();
            warnings = rs.warnings();
        }
        pids.forEach(p -> children.add((int) (long) p));
        long np = pids.get(0);
        String kids = Files.readString(Path.of("/proc/" + np + "/task/" + np + "/children")).trim();
        for (String k : kids.split(" ")) {
            if (ProcStat.read(Path.of("/proc"), Long.parseLong(k)).state() == 'Z') {
                zombieChildren.add(Long.parseLong(k));
            }
        }
        assertEquals("the restored parent has two unreaped children again: " + kids, 2, zombieChildren.size());
        if (!zombieChildren.contains(a)) {
            // unprivileged without a PID namespace: new PIDs, which the warnings must name
            assertTrue(warnings.toString(), warnings.stream().anyMatch(w -> w.startsWith("zombie " + a + " could not get its PID")));
            return;
        }
        assertEquals(List.of(a, b), zombieChildren.stream().sorted().toList());
        await(out, l -> l.startsWith("zombies "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("zombies ok"));
        assertFalse(all, all.contains("MISMATCH"));
    }
}
