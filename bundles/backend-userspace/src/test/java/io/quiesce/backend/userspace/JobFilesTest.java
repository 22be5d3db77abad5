package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ImageIndex;
import io.quiesce.backend.userspace.image.PipeImage;
import io.quiesce.backend.userspace.image.ProcessImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** What the processes of a job share: a pipe with bytes in flight, a file description with its offset. */
public class JobFilesTest extends EngineTest {
    private static long childGot(Path out) throws Exception {
        List<String> l = Scenarios.lines(out);
        for (int i = l.size() - 1; i >= 0; i--) {
            if (l.get(i).startsWith("child n=")) {
                return field(l.get(i), "got");
            }
        }
        return 0;
    }

    private static void assertClean(Path out) throws Exception {
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH") || all.contains("EOF") || all.contains("failed"));
    }

    @Test
    public void pipeKeepsItsBytesInFlightAcrossResume() throws Exception {
        Path out = root().resolve("pipe.out");
        int[] pc = startPair("pipe00", out);
        await(out, l -> l.startsWith("child n=20 "), 5000);
        Path folder = checkpoint(false, pc);
        PipeImage pipe = ImageFiles.readIndex(folder).pipes().get(0);
        assertTrue("the pipe was full at the freeze: " + pipe, pipe.bytes() > 0);
        assertEquals(pipe.bytes(), Files.size(folder.resolve(pipe.dataFile())));
        long got = childGot(out);
        // the dump copied the bytes without taking them: the child reads on through them, every byte checked
        await(out, l -> l.startsWith("child n=") && field(l, "got") > got + pipe.bytes(), 10000);
        assertClean(out);
    }

    @Test
    public void pipeWithBytesInFlightIsRestoredBetweenParentAndChild() throws Exception {
        Path out = root().resolve("pipe.out");
        int[] pc = startPair("pipe00", out);
        await(out, l -> l.startsWith("child n=20 "), 5000);
        Path folder = checkpoint(true, pc);
        ImageIndex index = ImageFiles.readIndex(folder);
        PipeImage pipe = index.pipes().get(0);
        assertTrue(pipe.bytes() > 0);
        ProcessImage parent = ImageFiles.readProcess(folder.resolve("process-" + pc[0] + ".json"));
        ProcessImage child = ImageFiles.readProcess(folder.resolve("process-" + pc[1] + ".json"));
        FdImage w = parent.fds().stream().filter(f -> FdImage.PIPE.equals(f.kind())).findFirst().orElseThrow();
        FdImage r = child.fds().stream().filter(f -> FdImage.PIPE.equals(f.kind())).findFirst().orElseThrow();
        assertEquals("both ends name the same pipe", w.inode(), r.inode());
        assertEquals(pipe.writeShare(), w.share());
        assertEquals(pipe.readShare(), r.share());
        long got = childGot(out);
        List<Long> pids = restore(folder);
        long newChild = pids.get(1);
        await(out, l -> l.startsWith("child n=") && l.endsWith(" pid=" + newChild) && field(l, "got") > got + pipe.bytes(), 10000);
        await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + pids.get(0)), 5000);
        assertClean(out);
        assertTrue(Scenarios.alive((int) (long) pids.get(0)));
        // the child is the restored parent's child now, not this JVM's
        assertEquals("the restored parent's child", (long) pids.get(0),
                io.quiesce.backend.userspace.proc.ProcStat.read(Path.of("/proc"), newChild).ppid());
        assertFalse(Files.readString(Path.of("/proc/" + newChild + "/stat")).contains(") Z "));
    }

    @Test
    public void fifoWithBytesInFlightSurvivesResumeAndRestore() throws Exception {
        Path out = root().resolve("fifo.out");
        Path fifo = root().resolve("fifo");
        int[] pc = startPair("fifo00", out, fifo.toString());
        await(out, l -> l.startsWith("child n=20 "), 5000);
        Path first = checkpoint(false, pc);
        assertTrue(ImageFiles.readIndex(first).pipes().get(0).fifo());
        long got0 = childGot(out);
        await(out, l -> l.startsWith("child n=") && field(l, "got") > got0 + 8192, 5000);
        Path folder = checkpoint(true, pc);
        PipeImage p = ImageFiles.readIndex(folder).pipes().get(0);
        assertTrue("the FIFO was full at the freeze: " + p, p.bytes() > 0);
        long got = childGot(out);
        List<Long> pids = restore(folder);
        await(out, l -> l.startsWith("child n=") && l.endsWith(" pid=" + pids.get(1)) && field(l, "got") > got + p.bytes(), 10000);
        await(out, l -> l.startsWith("parent n=") && l.endsWith(" pid=" + pids.get(0)), 5000);
        assertClean(out);
    }

    @Test
    public void pipeToAProcessOutsideTheJobIsRefusedByPidAndFd() throws Exception {
        Path out = root().resolve("pipe.out");
        int[] pc = startPair("pipe00", out);
        await(out, l -> l.startsWith("child n=2"), 5000);
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pc[0]))) {
            s.freeze();
            try {
                s.dump(Scenarios.staging(root()));
                fail("half a pipe was dumped");
            } catch (NotSupportedException e) {
                assertTrue(e.getMessage(), e.getMessage().matches("process " + pc[0] + " fd 4 \\(pipe:\\[\\d+\\]\\): the read end .*"));
            }
            s.resume(); // what the platform does on a failed dump
        }
        long got = childGot(out);
        await(out, l -> l.startsWith("child n=") && field(l, "got") > got + 8192, 5000);
        assertClean(out);
    }

    @Test
    public void halfClosedPipesAReadOnlyFifoAndTwoDeletedFilesOfOneNameComeBack() throws Exception {
        Path gone = root().resolve("gone.dat");
        Run run = cycle("halfopen00", "halfopen", root().resolve("fifo").toString(), gone.toString());
        ImageIndex index = ImageFiles.readIndex(root().resolve("cp-kill"));
        assertEquals(index.pipes().toString(), 3, index.pipes().size());
        PipeImage readOnly = index.pipes().stream().filter(p -> !p.fifo() && p.writeShare() == 0).findFirst().orElseThrow();
        assertEquals("the bytes its gone writer left", "bytes left by a writer that is gone".length(), readOnly.bytes());
        assertTrue(index.pipes().stream().anyMatch(p -> !p.fifo() && p.readShare() == 0 && p.bytes() == 0));
        assertTrue(index.pipes().stream().anyMatch(p -> p.fifo() && p.writeShare() == 0));
        assertEquals(2, index.ghosts().size());
        assertTrue(index.ghosts().stream().allMatch(g -> g.path().equals(gone.toString())));
        assertFalse("both names deleted again", Files.exists(gone));
        try (var names = Files.list(root())) {
            assertFalse(names.anyMatch(n -> n.getFileName().toString().startsWith(".quiesce-ghost-")));
        }
        assertTrue(run.warnings().toString(), run.warnings().stream().noneMatch(w -> w.contains("pipe") || w.contains("FIFO")
                || w.contains("deleted")));
    }

    @Test
    public void sharedDescriptionKeepsOneOffsetAcrossResumeAndRestore() throws Exception {
        Path out = root().resolve("share.out");
        Path data = root().resolve("share.dat");
        int[] pc = startPair("fdshare00", out, data.toString());
        await(out, l -> l.startsWith("C n=5 "), 5000);
        checkpoint(false, pc);
        await(out, l -> l.startsWith("C n=10 "), 5000);
        Path folder = checkpoint(true, pc);
        ProcessImage parent = ImageFiles.readProcess(folder.resolve("process-" + pc[0] + ".json"));
        ProcessImage child = ImageFiles.readProcess(folder.resolve("process-" + pc[1] + ".json"));
        FdImage pf = parent.fds().stream().filter(f -> data.toString().equals(f.path())).findFirst().orElseThrow();
        FdImage cf = child.fds().stream().filter(f -> data.toString().equals(f.path())).findFirst().orElseThrow();
        assertEquals("one open file description", pf.share(), cf.share());
        assertEquals("stdout and stderr are one description too", parent.fds().get(1).share(), parent.fds().get(2).share());
        assertEquals(parent.fds().get(1).share(), child.fds().get(1).share());
        long savedSize = Files.size(data);
        List<Long> pids = restore(folder);
        await(out, l -> l.startsWith("C n=") && l.endsWith(" pid=" + pids.get(1)) && field(l, "n") >= 20, 5000);
        await(out, l -> l.startsWith("P n=") && l.endsWith(" pid=" + pids.get(0)), 5000);
        assertClean(out);
        assertTrue("records were appended, not written over", Files.size(data) > savedSize);
        assertEquals("whole records only", 0, Files.size(data) % 16);
    }
}
