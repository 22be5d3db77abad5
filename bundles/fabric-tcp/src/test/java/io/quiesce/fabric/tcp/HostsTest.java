package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.HostJob;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.ManifestCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * One protocol run over two agents, each standing for a host with its own piece of the job (a ring of its own): the
 * barriers, the per-host part folders of image format 3, the commit of both parts as one checkpoint, the restart of
 * both parts, and the abort of every host when one host fails.
 */
public class HostsTest extends FabricTest {
    private static final String HOPS = "200000";

    @Test(timeout = 240000)
    public void twoHostsCommitOneCheckpointAndRestartTogether() throws Exception {
        Path outA = root().resolve("a.out");
        Path outB = root().resolve("b.out");
        int a = launch(outA, "ring00", "4", HOPS, "65536", root().resolve("a.hops").toString());
        int b = launch(outB, "ring00", "3", HOPS, "65536", root().resolve("b.hops").toString());
        await(root().resolve("a.hops"), l -> l.startsWith("hop 10000 "), 30000);
        await(root().resolve("b.hops"), l -> l.startsWith("hop 10000 "), 30000);
        Map<String, HostJob> pieces = Map.of("host-a", job(a, root()), "host-b", job(b, root()));

        CheckpointResult c1 = driver().checkpoint(pieces, false);
        Manifest m = ManifestCodec.read(c1.checkpoint().resolve(ImageFormat.MANIFEST));
        assertEquals(ImageFormat.VERSION, m.formatVersion());
        assertEquals(List.of("host-a", "host-b"), m.hosts().stream().map(HostRecord::host).toList());
        for (HostRecord h : m.hosts()) {
            assertEquals(h.host(), h.folder());
            assertTrue(h.host() + " has the files of its own processes", h.files().stream().allMatch(f -> f.startsWith(h.folder() + "/")));
            assertTrue(Files.isRegularFile(c1.checkpoint().resolve(h.folder()).resolve("userspace.json")));
        }
        assertEquals("each host's part folder holds its own ring's tcp record", 4 + 4,
                ImageStore.load(c1.checkpoint().resolve("host-a")).sockets().size());
        assertEquals(3 + 3, ImageStore.load(c1.checkpoint().resolve("host-b")).sockets().size());
        int seenA = lines(root().resolve("a.hops")).size();
        int seenB = lines(root().resolve("b.hops")).size();
        awaitLines(root().resolve("a.hops"), seenA + 1, 30000); // both run on after the checkpoint
        awaitLines(root().resolve("b.hops"), seenB + 1, 30000);

        CheckpointResult c2 = driver().checkpoint(pieces, true);
        roots.remove((Integer) a);
        roots.remove((Integer) b);
        io.quiesce.backend.userspace.linux.LibC.INSTANCE.waitpid(a, new int[1], 0);
        io.quiesce.backend.userspace.linux.LibC.INSTANCE.waitpid(b, new int[1], 0);
        assertEquals(2, c2.epoch());

        // both parts restored by one agent: one host's piece mapped onto another
        List<Long> pids = driver().restart(c2.checkpoint(), root(), ExternalPolicy.FAIL);
        List<Integer> ours = new ArrayList<>();
        for (long p : pids) {
            if (parent(p) == ProcessHandle.current().pid()) {
                ours.add((int) p);
            }
        }
        assertEquals("one outer init per part: " + pids, 2, ours.size());
        roots.addAll(ours);
        for (int r : ours) {
            assertExit0(waitExit(r, 180000));
        }
        clean(outA);
        clean(outB);
        assertTrue(Files.readString(outA), Files.readString(outA).contains("ring ok hops=" + HOPS));
        assertTrue(Files.readString(outB), Files.readString(outB).contains("ring ok hops=" + HOPS));
    }

    @Test(timeout = 240000)
    public void aHostThatFailsAbortsEveryHostAndLeavesThePreviousCheckpoint() throws Exception {
        Path outA = root().resolve("a.out");
        int a = launch(outA, "ring00", "4", HOPS, "65536", root().resolve("a.hops").toString());
        await(root().resolve("a.hops"), l -> l.startsWith("hop 10000 "), 30000);
        CheckpointResult good = driver().checkpoint(Map.of("host-a", job(a, root())), false);

        // host b's piece is a process that has ended: that host cannot freeze it
        int gone = launch(root().resolve("gone.out"), "ring00", "2", "1", "16", root().resolve("gone.hops").toString());
        assertExit0(waitExit(gone, 60000));
        HostJob dead = new HostJob("job1", "job1", gone, List.of((long) gone), root());
        try {
            driver().checkpoint(Map.of("host-a", job(a, root()), "host-b", dead), false);
            fail("a checkpoint with a host that cannot freeze its piece was committed");
        } catch (CheckpointException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("host-b"));
            assertFalse(e.getMessage(), e.getMessage().contains("host-a:"));
        }
        Path jobFolder = driver().store().jobFolder("job1");
        try (var s = Files.list(jobFolder)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals("no part of the aborted epoch is visible", List.of("1", "latest"), names);
        }
        assertEquals(good.checkpoint(), driver().store().latest("job1").orElseThrow());
        int seen = lines(root().resolve("a.hops")).size();
        awaitLines(root().resolve("a.hops"), seen + 1, 30000); // host a's piece was resumed
        assertExit0(waitExit(a, 180000));
        clean(outA);
        assertTrue(Files.readString(outA), Files.readString(outA).contains("ring ok hops=" + HOPS));
    }

    private static long parent(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }
}
