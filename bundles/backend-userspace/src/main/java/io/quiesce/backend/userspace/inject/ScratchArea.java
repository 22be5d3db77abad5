package io.quiesce.backend.userspace.inject;

import io.quiesce.api.CheckpointException;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The data part of an injector's scratch area, handed out in frames: a caller opens a {@link Frame}, places the
 * structures and strings its injected calls read or fill ({@link Frame#put}, {@link Frame#reserve}), and closing
 * the frame gives the space back. Frames nest, so a helper can open its own inside a caller's; nothing depends on
 * a fixed offset. (The fixed regions {@link SyscallInjector#STRUCT}, {@code OUT}, {@code MM_MAP} and {@code PATH}
 * are older callers' way; they must not be used while a frame they overlap is open.)
 */
public final class ScratchArea {
    /** Where frames start: after the code. */
    static final int DATA = 0x100;
    private static final int ALIGN = 16;

    private final long base;
    private final ProcessMemory memory;
    private int next = DATA;

    ScratchArea(long base, ProcessMemory memory) {
        this.base = base;
        this.memory = memory;
    }

    /** @return a frame from the first free byte; close it when its calls are done */
    public Frame frame() {
        return new Frame(next);
    }

    /** Space in the scratch area for one sequence of injected calls. */
    public final class Frame implements AutoCloseable {
        private final int mark;

        private Frame(int mark) {
            this.mark = mark;
        }

        /** @return the address of {@code len} bytes for the tracee to fill (read them back with {@link #read}) */
        public long reserve(int len) throws CheckpointException {
            int at = (next + ALIGN - 1) & -ALIGN;
            if (len < 0 || at + len > SyscallInjector.SCRATCH_SIZE) {
                throw new CheckpointException(len + " bytes do not fit the injection scratch area (" + (SyscallInjector.SCRATCH_SIZE - at)
                        + " left)");
            }
            next = at + len;
            return base + at;
        }

        /** @return the address where {@code data} now is in the tracee */
        public long put(byte[] data) throws CheckpointException {
            long at = reserve(data.length);
            memory.write(at, data);
            return at;
        }

        /** @return the address of {@code s} as a NUL-terminated UTF-8 string in the tracee */
        public long putString(String s) throws CheckpointException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return put(Arrays.copyOf(b, b.length + 1));
        }

        /** Writes {@code data} at an address of this frame (from {@link #reserve}). */
        public void write(long address, byte[] data) throws CheckpointException {
            memory.write(address, data);
        }

        /** @return {@code len} bytes at an address of this frame */
        public byte[] read(long address, int len) throws CheckpointException {
            return memory.read(address, len);
        }

        /** Gives the frame's space back (and that of frames opened inside it). */
        @Override
        public void close() {
            next = mark;
        }
    }
}
