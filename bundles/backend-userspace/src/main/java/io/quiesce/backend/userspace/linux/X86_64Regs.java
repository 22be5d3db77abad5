package io.quiesce.backend.userspace.linux;

import com.sun.jna.Memory;
import java.util.Arrays;

/**
 * The x86_64 {@code struct user_regs_struct} (27 × 8 = 216 bytes) as PTRACE_GETREGS/SETREGS exchange it, kept as a
 * long array indexed by the constants below so that it serialises as plain numbers.
 */
public final class X86_64Regs {
    /** Indexes of the registers (byte offset / 8). */
    public static final int R15 = 0, R14 = 1, R13 = 2, R12 = 3, RBP = 4, RBX = 5, R11 = 6, R10 = 7, R9 = 8, R8 = 9,
            RAX = 10, RCX = 11, RDX = 12, RSI = 13, RDI = 14, ORIG_RAX = 15, RIP = 16, CS = 17, EFLAGS = 18, RSP = 19,
            SS = 20, FS_BASE = 21, GS_BASE = 22, DS = 23, ES = 24, FS = 25, GS = 26;
    /** Number of registers. */
    public static final int COUNT = 27;
    /** Size in bytes. */
    public static final int SIZE = COUNT * 8;

    private final long[] values;

    /** @param values the 27 register values; copied */
    public X86_64Regs(long[] values) {
        if (values.length != COUNT) {
            throw new IllegalArgumentException("user_regs_struct has " + COUNT + " registers, got " + values.length);
        }
        this.values = values.clone();
    }

    /** @param m a buffer filled by PTRACE_GETREGS */
    public static X86_64Regs read(Memory m) {
        return new X86_64Regs(m.getLongArray(0, COUNT));
    }

    /** @param m a buffer of at least {@link #SIZE} bytes to pass to PTRACE_SETREGS */
    public void write(Memory m) {
        m.write(0, values, 0, COUNT);
    }

    public long get(int reg) {
        return values[reg];
    }

    /** @return a copy with one register changed */
    public X86_64Regs with(int reg, long value) {
        long[] v = values.clone();
        v[reg] = value;
        return new X86_64Regs(v);
    }

    /** @return the values, copied, in kernel order */
    public long[] values() {
        return values.clone();
    }

    /**
     * @return a copy set up to run system call {@code nr} with up to six arguments at {@code rip}; orig_rax is -1 so
     *         the kernel's restart logic never rewrites the injected state (facts: "always set orig_rax = -1")
     */
    public X86_64Regs forSyscall(long rip, long nr, long... args) {
        long[] v = values.clone();
        v[RIP] = rip;
        v[RAX] = nr;
        v[ORIG_RAX] = -1;
        int[] order = { RDI, RSI, RDX, R10, R8, R9 };
        for (int i = 0; i < args.length; i++) {
            v[order[i]] = args[i];
        }
        return new X86_64Regs(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof X86_64Regs r && Arrays.equals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return String.format("rip=%x rax=%d orig_rax=%d rsp=%x", values[RIP], values[RAX], values[ORIG_RAX], values[RSP]);
    }
}
