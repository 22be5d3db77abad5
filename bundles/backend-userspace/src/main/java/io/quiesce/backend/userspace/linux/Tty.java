package io.quiesce.backend.userspace.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * The terminal calls the engine makes from the tracer on its own duplicates of a job's pseudo-terminal descriptors
 * (ioctl, poll), and their request numbers (x86_64, {@code asm-generic/ioctls.h}). The same numbers are injected
 * into tracees at restore.
 */
public interface Tty extends Library {
    /** The loaded C library. */
    Tty INSTANCE = Native.load("c", Tty.class);

    /** termios2 get/set: TCGETS2 = _IOR('T', 0x2A, struct termios2), TCSETS2 = _IOW('T', 0x2B, ...). */
    long TCGETS2 = 0x802C542AL, TCSETS2 = 0x402C542BL;
    /** System calls injected for terminals, sessions and process groups (x86_64). */
    int SYS_IOCTL = 16, SYS_SETPGID = 109, SYS_SETSID = 112, SYS_GETSID = 124;
    /** Device numbers: /dev/tty 5:0, /dev/ptmx 5:2, Unix98 pty slaves major 136 (minor = the pty number). */
    int TTYAUX_MAJOR = 5, PTMX_MINOR = 2, UNIX98_PTY_SLAVE_MAJOR = 136;
    /** Window size. */
    long TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    /** Bytes readable (FIONREAD = TIOCINQ; in canonical mode only complete lines count). */
    long FIONREAD = 0x541B;
    /** Controlling terminal, foreground process group, session. */
    long TIOCSCTTY = 0x540E, TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCGSID = 0x5429;
    /** Exclusive mode. */
    long TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCGEXCL = 0x80045440L;
    /** Packet mode (master). */
    long TIOCPKT = 0x5420, TIOCGPKT = 0x80045438L;
    /** Pseudo-terminal number, slave lock, and opening the slave from its master without a path. */
    /** The device number (new_encode_dev) of the terminal a descriptor reaches, also through /dev/tty. */
    long TIOCGDEV = 0x80045432L;
    long TIOCGPTN = 0x80045430L, TIOCSPTLCK = 0x40045431L, TIOCGPTLCK = 0x80045439L, TIOCGPTPEER = 0x5441;
    /** termios c_lflag bits. */
    int ISIG = 0000001, ICANON = 0000002, ECHO = 0000010, ECHOE = 0000020, ECHOK = 0000040, ECHONL = 0000100,
            IEXTEN = 0100000, EXTPROC = 0200000;
    /** termios c_iflag bits kept while bytes are written back (flow control). */
    int IXON = 0002000, IXOFF = 0010000;
    /** termios c_oflag: output processing. */
    int OPOST = 0000001;
    /** c_cc indexes. */
    int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VSTART = 8, VSTOP = 9, VEOL = 11, VREPRINT = 12,
            VWERASE = 14, VLNEXT = 15, VEOL2 = 16;
    /** poll(2) event. */
    short POLLIN = 1;

    /** ioctl with a pointer argument (a structure or an int). @return 0 or more, or -1 with errno set */
    int ioctl(int fd, long request, Structure arg);

    /** ioctl with a pointer to one int. */
    int ioctl(int fd, long request, int[] arg);

    /** ioctl with an integer argument (TIOCGPTPEER flags, TIOCEXCL). */
    int ioctl(int fd, long request, long arg);

    /**
     * @param fds {@code struct pollfd} as int pairs: fd, then events (low 16 bits) and revents (high 16 bits)
     * @return how many descriptors are ready, or -1
     */
    int poll(int[] fds, long nfds, int timeout);

    /** {@code struct termios2} (44 bytes). */
    @Structure.FieldOrder({ "iflag", "oflag", "cflag", "lflag", "line", "cc", "ispeed", "ospeed" })
    class Termios2 extends Structure {
        /** sizeof(struct termios2). */
        public static final int SIZE = 44;
        /** c_iflag: input modes. */
        public int iflag;
        /** c_oflag: output modes. */
        public int oflag;
        /** c_cflag: control modes (baud, character size). */
        public int cflag;
        /** c_lflag: local modes (ICANON, ECHO, ISIG, ...). */
        public int lflag;
        /** c_line: the line discipline. */
        public byte line;
        /** c_cc[NCCS = 19]: the special characters. */
        public byte[] cc = new byte[19];
        /** c_ispeed: input speed. */
        public int ispeed;
        /** c_ospeed: output speed. */
        public int ospeed;

        /** @return the structure's bytes */
        public byte[] bytes() {
            write();
            return getPointer().getByteArray(0, SIZE);
        }

        /** @return a termios2 holding {@code b} (44 bytes) */
        public static Termios2 of(byte[] b) {
            Termios2 t = new Termios2();
            t.getPointer().write(0, b, 0, SIZE);
            t.read();
            return t;
        }

        /** @return a copy */
        public Termios2 copy() {
            return of(bytes());
        }
    }

    /** {@code struct winsize} (8 bytes). */
    @Structure.FieldOrder({ "row", "col", "xpixel", "ypixel" })
    class Winsize extends Structure {
        /** ws_row: rows. */
        public short row;
        /** ws_col: columns. */
        public short col;
        /** ws_xpixel: width in pixels (unused by the kernel). */
        public short xpixel;
        /** ws_ypixel: height in pixels. */
        public short ypixel;
    }
}
