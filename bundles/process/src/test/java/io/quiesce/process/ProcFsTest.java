package io.quiesce.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ProcFsTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static String stat(long pid, String comm, char state, long ppid, long start) {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        // priority nice threads itrealvalue starttime ...
        return pid + " (" + comm + ") " + state + " " + ppid + " " + pid + " " + pid + " 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 "
                + start + " 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
    }

    private Path fixture() throws IOException {
        Path proc = tmp.newFolder("proc").toPath();
        write(proc, stat(10, "ring root", 'S', 1, 500));
        write(proc, stat(11, "rank) 1(", 'R', 10, 510));
        write(proc, stat(12, "rank2", 'S', 10, 511));
        write(proc, stat(13, "grandchild", 'S', 11, 520));
        write(proc, stat(14, "dead", 'Z', 10, 530));
        write(proc, stat(20, "other", 'S', 1, 40));
        Files.createDirectories(proc.resolve("self"));
        return proc;
    }

    private static void write(Path proc, String line) throws IOException {
        Path d = Files.createDirectories(proc.resolve(line.substring(0, line.indexOf(' '))));
        Files.writeString(d.resolve("stat"), line);
    }

    @Test
    public void parsesNamesWithSpacesAndParentheses() {
        ProcStat s = ProcStat.parse(stat(11, "rank) 1(", 'R', 10, 510));
        assertEquals(new ProcStat(11, "rank) 1(", 'R', 10, 11, 11, 510), s);
    }

    @Test
    public void rejectsTruncatedOrGarbledLines() {
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("12 (x) S 1 2"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("no parentheses here"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse(stat(1, "x", 'S', 7, 1).replace(") S 7 ", ") S zz ")));
    }

    @Test
    public void treeIsBreadthFirstWithoutZombiesOrStrangers() throws IOException {
        ProcFs fs = new ProcFs(fixture());
        assertEquals(List.of(10L, 11L, 12L, 13L), fs.tree(10, 500));
        assertEquals(List.of(11L, 13L), fs.tree(11, 510));
        assertEquals(List.of(13L), fs.tree(13, 520));
    }

    @Test
    public void descendantsLeaveOutTheRootAndSurviveAZombieRoot() throws IOException {
        Path proc = fixture();
        ProcFs fs = new ProcFs(proc);
        assertEquals(List.of(11L, 12L, 13L), fs.descendants(10));
        write(proc, stat(15, "orphan-to-be", 'S', 14, 540));
        assertEquals("children of an unreaped helper are still found", List.of(15L), fs.descendants(14));
        assertTrue(fs.descendants(99).isEmpty());
        assertTrue(fs.stat(14).orElseThrow().dead());
        assertTrue(new ProcStat(1, "x", 't', 0, 1, 1, 1).stopped());
    }

    @Test
    public void ownPidIsTheInnermostNamespacesOne() throws IOException {
        Path proc = fixture();
        Files.writeString(proc.resolve("11/status"), "Name:\trank\nPid:\t11\nNSpid:\t11\t2\nPPid:\t10\n");
        Files.writeString(proc.resolve("12/status"), "Name:\tinit\nPid:\t12\nNSpid:\t12\n");
        ProcFs fs = new ProcFs(proc);
        assertEquals(2L, fs.ownPid(11).getAsLong());
        assertEquals(12L, fs.ownPid(12).getAsLong());
        assertTrue("gone", fs.ownPid(99).isEmpty());
        assertEquals("this machine's own", ProcessHandle.current().pid(), new ProcFs(Path.of("/proc")).ownPid(ProcessHandle.current().pid()).getAsLong());
    }

    @Test
    public void reusedPidOrMissingRootYieldsNothing() throws IOException {
        ProcFs fs = new ProcFs(fixture());
        assertTrue("start time differs: the PID was reused", fs.tree(10, 499).isEmpty());
        assertTrue(fs.tree(99, 1).isEmpty());
        assertTrue("a zombie root is not running", fs.tree(14, 530).isEmpty());
    }

    @Test
    public void readsTheRealProcOfThisJvm() {
        long me = ProcessHandle.current().pid();
        ProcStat s = new ProcFs(Path.of("/proc")).stat(me).orElseThrow();
        assertEquals(me, s.pid());
        assertEquals(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L).longValue(), s.ppid());
    }
}
