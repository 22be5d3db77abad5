/* quiesce-stub: the empty process a checkpoint is restored into; it only ever waits in pause(2).
 *
 * Built static and without libc (-nostdlib) on purpose: no TLS, no rseq registration, no heap and no
 * descriptors beyond the inherited ones, so the restore has nothing of the stub to undo except its text,
 * stack and the vDSO, which it moves. The restore engine finds it blocked in pause (syscall 34) by polling
 * /proc/PID/syscall, and uses the `syscall` instruction that precedes the saved rip to inject its first call.
 */
void _start(void)
{
    for (;;) {
        long ret;
        __asm__ volatile("syscall" : "=a"(ret) : "0"(34L) : "rcx", "r11", "memory");
    }
}
