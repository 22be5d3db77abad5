package io.quiesce.backend.userspace.proc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.backend.userspace.linux.Syscalls;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** The /proc parsers on the fixture tree in src/test/resources/proc (captured from counter00, PID renamed 4242). */
public class ProcParsersTest {
    private static Path proc() throws URISyntaxException {
        return Path.of(ProcParsersTest.class.getResource("/proc/4242/maps").toURI()).getParent().getParent();
    }

    @Test
    public void mapsFixture() throws Exception {
        List<Vma> vmas = ProcMaps.read(proc(), 4242);
        assertEquals(24, vmas.size());
        Vma text = vmas.get(1);
        assertEquals(0x556618988000L, text.start());
        assertEquals(0x1000, text.length());
        assertEquals(0x1000, text.offset());
        assertEquals(2146595, text.inode());
        assertEquals("/tmp/counter00", text.path());
        assertEquals(Syscalls.PROT_READ | Syscalls.PROT_EXEC, text.prot());
        assertTrue(text.fileBacked());
        Vma anon = vmas.get(6);
        assertNull(anon.path());
        assertFalse(anon.fileBacked());
        assertEquals("[heap]", vmas.get(5).path());
        assertFalse(vmas.get(5).fileBacked());
        assertEquals(List.of("[vvar]", "[vvar_vclock]", "[vdso]", "[vsyscall]"),
                vmas.stream().filter(Vma::special).map(Vma::path).toList());
        Vma vsyscall = vmas.get(23);
        assertTrue(vsyscall.vsyscall());
        assertEquals("unsigned: above the user range", 0xffffffffff600000L, vsyscall.start());
    }

    @Test
    public void mapsEdgeCases() {
        List<Vma> v = ProcMaps.parse("""
                7f0000000000-7f0000001000 rw-s 00000000 00:01 77 /dev/shm/my file (deleted)
                7f0000002000-7f0000003000 ---p 00000000 00:00 0
                7f0000003000-7f0000004000 rw-s 00002000 fe:00 12 /data/with space/x.bin
                """);
        assertTrue(v.get(0).deletedFile());
        assertTrue(v.get(0).shared());
        assertFalse(v.get(0).fileBacked());
        assertTrue(v.get(1).protNone());
        assertEquals("/data/with space/x.bin", v.get(2).path());
        assertTrue(v.get(2).fileBacked());
        assertThrows(IllegalArgumentException.class, () -> ProcMaps.parse("zz-yy rw-p"));
    }

    @Test
    public void statFixture() throws Exception {
        ProcStat s = ProcStat.read(proc(), 4242);
        assertEquals(4242, s.pid());
        assertEquals("counter00", s.comm());
        assertEquals('S', s.state());
        assertEquals(15285, s.ppid());
        assertEquals(1, s.threads());
        assertEquals(93896987672576L, s.startCode());
        assertEquals(93896987673829L, s.endCode());
        assertEquals(140721767110416L, s.startStack());
        assertEquals(93896987684304L, s.startData());
        assertEquals(93896987684976L, s.endData());
        assertEquals(93897279176704L, s.startBrk());
        assertEquals(140721767115430L, s.argStart());
        assertEquals(140721767115462L, s.argEnd());
        assertEquals(140721767115462L, s.envStart());
        assertEquals(140721767116777L, s.envEnd());
    }

    @Test
    public void statCommWithParenthesesAndSpaces() throws Exception {
        String line = java.nio.file.Files.readString(proc().resolve("4242/stat")).replace("(counter00)", "(a) b (c)");
        ProcStat s = ProcStat.parse(line);
        assertEquals("a) b (c", s.comm());
        assertEquals(15285, s.ppid());
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("1 (x) S 0 0"));
    }

    @Test
    public void statusFixture() throws Exception {
        ProcStatus st = ProcStatus.read(proc(), 4242);
        assertEquals(0022, st.umask());
        assertEquals(1, st.threads());
        assertEquals(0, st.sigBlk());
        assertEquals("counter00", st.get("Name"));
        assertEquals(0x804, ProcStatus.parse("SigBlk:\t0000000000000804\n").sigBlk());
        assertThrows(IllegalArgumentException.class, () -> ProcStatus.parse("Name: x\n").umask());
    }

    @Test
    public void fdinfoFixture() throws Exception {
        FdInfo f = FdInfo.read(proc(), 4242, 3);
        assertEquals(112, f.pos());
        assertEquals(02102001, f.flags()); // O_CLOEXEC | O_LARGEFILE | O_APPEND | O_WRONLY
        assertThrows(IllegalArgumentException.class, () -> FdInfo.parse("mnt_id: 3\n"));
    }

    @Test
    public void sysvShmFixture() throws Exception {
        List<SysvShmTable.Segment> segs = SysvShmTable.parse(java.nio.file.Files.readString(proc().resolve("sysvipc/shm")));
        assertEquals(2, segs.size());
        SysvShmTable.Segment keyed = segs.get(0);
        assertEquals(0x51003ee6, keyed.key());
        assertEquals(123456, keyed.shmid());
        assertEquals(0640, keyed.perms());
        assertEquals(12288, keyed.size());
        assertEquals(17, keyed.cpid());
        assertEquals(3, keyed.nattch());
        assertFalse(keyed.removed());
        SysvShmTable.Segment removed = segs.get(1);
        assertEquals(0, removed.key());
        assertTrue("perms 1600: SHM_DEST", removed.removed());
        assertEquals(1001, removed.uid());
        assertEquals(1001, removed.gid());
        assertThrows(IllegalArgumentException.class, () -> SysvShmTable.parse("header\n1 2 3\n"));
    }
}
