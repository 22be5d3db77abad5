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

    /** Lines as Linux 6.18 writes them (taken from a probe of every kind). */
    @Test
    public void fdinfoOfAnonInodes() {
        FdInfo ev = FdInfo.parse("pos:\t0\nflags:\t02004002\nmnt_id:\t17\nino:\t1038\neventfd-count:        100000005\n"
                + "eventfd-id: 1\neventfd-semaphore: 1\n");
        assertEquals(0x100000005L, ev.eventfdCount());
        assertTrue(ev.eventfdSemaphore());
        assertFalse(FdInfo.parse("pos:\t0\nflags:\t02\neventfd-count:                0\n").showsEventfdSemaphore());

        FdInfo.Timer t = FdInfo.parse("pos:\t0\nflags:\t04002\nclockid: 1\nticks: 3\nsettime flags: 01\n"
                + "it_value: (99, 944037391)\nit_interval: (1, 500)\n").timer();
        assertEquals(new FdInfo.Timer(1, 3, 1, 99_944_037_391L, 1_000_000_500L), t);

        assertEquals(0x4200L, FdInfo.parse("pos:\t0\nflags:\t04002\nsigmask:\t0000000000004200\n").signalfdMask());

        List<FdInfo.EpollEntry> ep = FdInfo.parse("pos:\t0\nflags:\t02\n"
                + "tfd:        9 events: 80000019 data:       1234567890  pos:0 ino:26ca sdev:f\n"
                + "tfd:       12 events: 40000000 data:                7  pos:0 ino:40e sdev:10\n").epollEntries();
        assertEquals(new FdInfo.EpollEntry(9, 0x80000019, 0x1234567890L, 0x26ca, 0xf), ep.get(0));
        assertEquals(new FdInfo.EpollEntry(12, 0x40000000, 7, 0x40e, 0x10), ep.get(1));

        List<FdInfo.InotifyEntry> in = FdInfo.parse("pos:\t0\nflags:\t04000\n"
                + "inotify wd:a ino:22402e sdev:fe00000 mask:2 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:2e4022001cc6c24b\n")
                .inotifyEntries();
        assertEquals("wd is hex", 10, in.get(0).wd());
        assertEquals(0x22402e, in.get(0).inode());
        assertEquals(0xfe00000, in.get(0).sdev());
        assertEquals(2, in.get(0).mask());
        assertEquals(8, in.get(0).handle().length);
        assertThrows(IllegalArgumentException.class, () -> FdInfo.parse("pos:\t0\nflags:\t02\n").eventfdCount());
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
