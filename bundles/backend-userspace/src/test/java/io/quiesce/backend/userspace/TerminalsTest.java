package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static io.quiesce.backend.userspace.Scenarios.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.NotSupportedException;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.TerminalsImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** Pseudo-terminals held by the job (pty00): queues both ways, termios, window size, session and controlling terminal. */
public class TerminalsTest extends EngineTest {
    private static long got(Path out, String who, long pid) throws Exception {
        List<String> l = Scenarios.lines(out);
        for (int i = l.size() - 1; i >= 0; i--) {
            if (l.get(i).startsWith(who + " n=") && (pid == 0 || l.get(i).endsWith(" pid=" + pid))) {
                return field(l.get(i), "got");
            }
        }
        return 0;
    }

    private static void assertClean(Path out) throws Exception {
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH") || all.contains("EOF") || all.contains("BAD") || all.contains("failed"));
    }

    private static TerminalsImage.PtyImage onlyPty(Path folder) throws Exception {
        TerminalsImage t = ImageFiles.read(folder.resolve(TerminalsImage.FILE), TerminalsImage.MAGIC, TerminalsImage.class);
        assertEquals(1, t.ptys().size());
        return t.ptys().get(0);
    }

    @Test
    public void pairKeepsItsQueuesAcrossResume() throws Exception {
        Path out = root().resolve("pty.out");
        int[] pc = startPair("pty00", out);
        await(out, l -> l.startsWith("C n=40 "), 10000);
        Path folder = checkpoint(false, pc);
        TerminalsImage.PtyImage p = onlyPty(folder);
        assertTrue("bytes were queued to the child: " + p.toSlave().length, p.toSlave().length > 0);
        assertTrue("bytes were queued to the parent: " + p.toMaster().length, p.toMaster().length > 0);
        assertEquals("the child leads the terminal's session", pc[1], p.session());
        long pGot = got(out, "P", 0);
        long cGot = got(out, "C", 0);
        // the queued bytes were taken and written back before the job went on: every byte is checked by the readers
        await(out, l -> l.startsWith("C n=") && field(l, "got") > cGot + p.toSlave().length + 500, 10000);
        await(out, l -> l.startsWith("P n=") && field(l, "got") > pGot + p.toMaster().length + 500, 10000);
        assertClean(out);
    }

    @Test
    public void pairIsRestoredWithItsStateAndControllingTerminal() throws Exception {
        Path out = root().resolve("pty.out");
        int[] pc = startPair("pty00", out);
        await(out, l -> l.startsWith("C n=40 "), 10000);
        Path folder = checkpoint(true, pc);
        TerminalsImage.PtyImage p = onlyPty(folder);
        assertTrue(p.toSlave().length > 0 && p.toMaster().length > 0);
        ProcessImage parent = ImageFiles.readProcess(folder.resolve("process-" + pc[0] + ".json"));
        ProcessImage child = ImageFiles.readProcess(folder.resolve("process-" + pc[1] + ".json"));
        assertTrue(parent.fds().stream().anyMatch(f -> FdImage.PTY_MASTER.equals(f.kind()) && f.share() == p.masterShare()));
        assertTrue(child.fds().stream().anyMatch(f -> FdImage.PTY_SLAVE.equals(f.kind()) && f.share() == p.slaveShare()));
        long pGot = got(out, "P", 0);
        long cGot = got(out, "C", 0);
        List<Long> pids = restore(folder);
        long newChild = pids.get(1);
        others.add((int) newChild);
        // the child checks termios (raw), window size (40x132), its session and that it is the foreground group
        await(out, l -> l.startsWith("C n=") && l.endsWith(" pid=" + newChild) && field(l, "got") > cGot + p.toSlave().length + 500,
                10000);
        await(out, l -> l.startsWith("P n=") && l.endsWith(" pid=" + pids.get(0)) && field(l, "got") > pGot + p.toMaster().length
                + 500, 10000);
        assertClean(out);
        String tty = Files.readSymbolicLink(Path.of("/proc/" + newChild + "/fd/0").getParent().resolve("3")).toString();
        assertTrue(tty, tty.startsWith("/dev/pts/"));
        String stat = Files.readString(Path.of("/proc/" + newChild + "/stat"));
        assertNotEquals("the restored child has a controlling terminal", "0", stat.substring(stat.lastIndexOf(')') + 2).split(" ")[4]);
    }

    @Test
    public void slaveWhoseMasterIsOutsideTheJobIsRefusedAndTheJobRunsOn() throws Exception {
        Path out = root().resolve("pty.out");
        int[] pc = startPair("pty01", out);
        await(out, l -> l.startsWith("child n=5 "), 10000);
        // the child's stdin is a terminal whose master its parent holds, outside the job
        refused(pc[1], "process " + pc[1] + " fd 0 \\(/dev/pts/\\d+\\): the master of this terminal is not held by any process "
                + "of the job.*");
        // and the other way round: the master without its slave
        refused(pc[0], "process " + pc[0] + " fd 3 \\(/dev/ptmx, pseudo-terminal \\d+\\): no process of the job holds its slave.*");
        long n = Scenarios.lines(out).stream().filter(l -> l.startsWith("child n=")).mapToLong(l -> field(l, "n")).max().orElse(0);
        await(out, l -> l.startsWith("child n=") && field(l, "n") > n + 5, 10000);
        String all = Files.readString(out);
        assertFalse(all, all.contains("MISMATCH") || all.contains("EOF"));
    }

    @Test
    public void fullQueuesBothWaysSurviveResumeAndRestore() throws Exception {
        Path out = root().resolve("pty03.out");
        Path go = root().resolve("go");
        int[] pc = startPair("pty03", out, go.toString());
        await(out, l -> l.startsWith("P wrote"), 10000);
        await(out, l -> l.startsWith("C wrote"), 10000);
        checkpoint(false, pc);
        Path folder = checkpoint(true, pc);
        TerminalsImage.PtyImage p = onlyPty(folder);
        // more than the line discipline's 4095 bytes: the rest was in the kernel's flip buffers
        assertEquals(8000, p.toSlave().length);
        assertEquals(8000, p.toMaster().length);
        List<Long> pids = restore(folder);
        others.add((int) (long) pids.get(1));
        Files.createFile(go);
        await(out, l -> l.equals("C done pid=" + pids.get(1)), 10000);
        await(out, l -> l.equals("P done pid=" + pids.get(0)), 10000);
        assertClean(out);
    }

    @Test
    public void aMasterPathOtherThanPtmxInTheImageIsRejectedBeforeAnyProcessExists() throws Exception {
        Path out = root().resolve("pty.out");
        int[] pc = startPair("pty00", out);
        await(out, l -> l.startsWith("C n=20 "), 10000);
        Path folder = checkpoint(true, pc);
        Path file = folder.resolve(TerminalsImage.FILE);
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) ImageFiles.json()
                .readTree(file.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("ptys").get(0)).put("masterPath", "/etc/passwd");
        Files.writeString(file, tree.toString());
        List<Long> before = Scenarios.liveChildren();
        try {
            restore(folder);
            fail("an image field was opened as a path");
        } catch (io.quiesce.api.ImageException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("/etc/passwd") && e.getMessage().contains(TerminalsImage.FILE));
        }
        assertEquals("no process was started", before, Scenarios.liveChildren());
    }

    /** pty02: {parent, session leader, foreground child}, once the parent has typed half a line. */
    private long[] startJobControl(Path out, Path go) throws Exception {
        int[] pc = startPair("pty02", out, go.toString());
        long g = field(await(out, l -> l.startsWith("C grandchild="), 10000).replace("C ", ""), "grandchild");
        others.add((int) g);
        await(out, l -> l.startsWith("G ready "), 10000);
        await(out, l -> l.startsWith("P typed half"), 10000);
        return new long[] { pc[0], pc[1], g };
    }

    @Test
    public void partlyTypedLineAndForegroundGroupSurviveResume() throws Exception {
        Path out = root().resolve("pty02.out");
        Path go = root().resolve("go");
        long[] job = startJobControl(out, go);
        Path folder = checkpoint(false, (int) job[0], (int) job[1], (int) job[2]);
        assertEquals("abc", new String(onlyPty(folder).toSlave()));
        Files.createFile(go);
        await(out, l -> l.startsWith("G line="), 10000);
        await(out, l -> l.startsWith("P echo "), 10000);
        String all = Files.readString(out);
        assertTrue(all, all.contains("G line=abcdef fg=1 session=1 tty=1 pid=" + job[2]) && all.contains("P echo ok"));
    }

    @Test
    public void partlyTypedLineSessionAndProcessGroupsAreRestored() throws Exception {
        Path out = root().resolve("pty02.out");
        Path go = root().resolve("go");
        long[] job = startJobControl(out, go);
        Path folder = checkpoint(true, (int) job[0], (int) job[1], (int) job[2]);
        TerminalsImage.PtyImage p = onlyPty(folder);
        assertEquals("the partly typed line", "abc", new String(p.toSlave()));
        assertEquals("session of the leader", job[1], p.session());
        assertEquals("foreground group", job[2], p.foreground());
        List<Long> pids = restore(folder);
        pids.forEach(x -> others.add((int) (long) x));
        Files.createFile(go);
        String line = await(out, l -> l.startsWith("G line="), 10000);
        await(out, l -> l.startsWith("P echo "), 10000);
        assertEquals(Files.readString(out), "G line=abcdef fg=1 session=1 tty=1 pid=" + pids.get(2), line);
        assertTrue(Files.readString(out), Files.readString(out).contains("P echo ok pid=" + pids.get(0)));
        if (pids.get(2) == job[2]) {
            await(out, l -> l.startsWith("C G ended status=0 pid=" + pids.get(1)), 10000);
        } else {
            // without privileges G has a new PID: C's waitpid for the saved one finds no such child (README: Limits)
            await(out, l -> l.startsWith("C G wait failed errno=ECHILD pid=" + pids.get(1)), 10000);
        }
    }

    private void refused(int pid, String pattern) throws Exception {
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pid))) {
            s.freeze();
            try {
                s.dump(Files.createDirectory(root().resolve("staging" + System.nanoTime())));
                fail("half a terminal was dumped");
            } catch (NotSupportedException e) {
                assertTrue(e.getMessage(), e.getMessage().matches(pattern));
            }
            s.resume();
        }
    }
}
