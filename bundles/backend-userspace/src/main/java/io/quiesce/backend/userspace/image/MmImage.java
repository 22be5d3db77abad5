package io.quiesce.backend.userspace.image;

/**
 * The kernel's address-space bookkeeping, restored with prctl(PR_SET_MM_MAP). Fields as in /proc/PID/stat,
 * except brk (from an injected brk(0)) and auxv (/proc/PID/auxv).
 */
public record MmImage(long startCode, long endCode, long startData, long endData, long startBrk, long brk,
        long startStack, long argStart, long argEnd, long envStart, long envEnd, byte[] auxv) {
}
