package io.quiesce.backend.userspace.inject;

import static org.junit.Assert.assertEquals;

import io.quiesce.backend.userspace.proc.Vma;
import java.util.List;
import org.junit.Test;

/** Where the scratch area and the parked specials go: free in every layout that must not be overlapped. */
public class ScratchPlacementTest {
    private static Vma vma(long start, long end) {
        return new Vma(start, end, "rw-p", 0, "00:00", 0, null);
    }

    @Test
    public void firstFreeGigabyteInEveryLayout() {
        assertEquals(1L << 30, SyscallInjector.chooseScratch(List.of(List.of(vma(0x400000, 0x500000)))));
        // 1 GiB taken in the stub, 2 GiB taken in the saved layout: 3 GiB is the first free in both
        List<Vma> stub = List.of(vma(1L << 30, (1L << 30) + 4096));
        List<Vma> saved = List.of(vma((2L << 30) - 4096, (2L << 30) + 1));
        assertEquals(3L << 30, SyscallInjector.chooseScratch(List.of(stub, saved)));
    }

    @Test
    public void vsyscallAboveTheUserRangeIsIgnored() {
        Vma vsyscall = new Vma(0xffffffffff600000L, 0xffffffffff601000L, "--xp", 0, "00:00", 0, "[vsyscall]");
        assertEquals(1L << 30, SyscallInjector.chooseScratch(List.of(List.of(vsyscall))));
    }

    @Test
    public void rangeMustFitWhole() {
        List<Vma> l = List.of(vma((1L << 36) + (1L << 20), (1L << 36) + (2L << 20)));
        assertEquals((1L << 36) + (1L << 30), SyscallInjector.freeRange(1L << 36, 1L << 30, 4L << 20, List.of(l)));
        assertEquals(1L << 36, SyscallInjector.freeRange(1L << 36, 1L << 30, 1L << 20, List.of(l)));
    }
}
