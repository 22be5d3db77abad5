package io.quiesce.backend.userspace.terminals;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.linux.Tty;
import io.quiesce.backend.userspace.proc.ProcStat;
import org.junit.Test;

/** Device classification, the session fields of /proc/PID/stat, and when queued input cannot be written back. */
public class TerminalsUnitTest {
    @Test
    public void devicesAreClassifiedByNumber() {
        assertEquals(FdImage.PTY_MASTER, Terminals.kindOf((5 << 8) | 2));
        assertEquals(FdImage.TTY, Terminals.kindOf(5 << 8));
        assertEquals(FdImage.PTY_SLAVE, Terminals.kindOf((136 << 8) | 7));
        // /dev/pts/300: the minor's high bits sit above the major in glibc's dev_t
        assertEquals(FdImage.PTY_SLAVE, Terminals.kindOf((136 << 8) | (300 & 0xff) | ((long) (300 & ~0xff) << 12)));
        assertEquals("/dev/null", FdImage.CHAR_DEVICE, Terminals.kindOf((1 << 8) | 3));
        assertEquals("/dev/console", FdImage.CHAR_DEVICE, Terminals.kindOf((5 << 8) | 1));
    }

    @Test
    public void statGivesSessionGroupAndTerminal() {
        ProcStat s = ProcStat.parse("77 (sh) S 70 71 72 34817 77 4194304 637 0 0 0 0 0 0 0 20 0 1 0 174353 4653056 852 "
                + "18446744073709551615 1 2 3 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 4 5 6 7 8 9 10 0");
        assertEquals(71, s.pgrp());
        assertEquals(72, s.session());
        assertEquals("136:1 encoded as in the kernel's new_encode_dev", 34817, s.ttyNr());
        assertEquals(77, s.tpgid());
        assertEquals(-1, ProcStat.parse("1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                + "0 0 0 0 0 0 0 0 0 0 0").tpgid());
    }

    @Test
    public void queuedInputThatCannotBeWrittenBackIsNamed() {
        Tty.Termios2 t = new Tty.Termios2();
        t.lflag = Tty.ICANON;
        assertNull(Pty.unrefillable(t, "abc".getBytes()));
        t.iflag = Tty.IXON;
        t.cc[Tty.VSTOP] = 19;
        assertNotNull(Pty.unrefillable(t, new byte[] { 'a', 19 }));
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        t.iflag = 0;
        assertNotNull("no free byte value for the special characters", Pty.unrefillable(t, all));
    }
}
