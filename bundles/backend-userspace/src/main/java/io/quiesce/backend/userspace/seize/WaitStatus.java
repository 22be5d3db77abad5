package io.quiesce.backend.userspace.seize;

/** Decodes a waitpid(2) status word. */
public final class WaitStatus {
    private WaitStatus() {
    }

    /** @return true for a stop (the low byte is 0x7f) */
    public static boolean stopped(int s) {
        return (s & 0xff) == 0x7f;
    }

    /** @return the stop signal; a syscall stop under TRACESYSGOOD reports SIGTRAP|0x80 */
    public static int stopSignal(int s) {
        return (s >> 8) & 0xff;
    }

    /** @return the ptrace event of a stop (status >> 16), 0 for none */
    public static int event(int s) {
        return (s >> 16) & 0xffff;
    }

    /** @return true when the process has ended (exited or killed) */
    public static boolean ended(int s) {
        return !stopped(s) && (s & 0xffff) != 0xffff;
    }

    /** @return a readable description: "exited 3", "killed by signal 9", "stopped by signal 5 event 128" */
    public static String describe(int s) {
        if (stopped(s)) {
            return "stopped by signal " + stopSignal(s) + (event(s) != 0 ? " event " + event(s) : "");
        }
        if ((s & 0x7f) == 0) {
            return "exited " + ((s >> 8) & 0xff);
        }
        return "killed by signal " + (s & 0x7f);
    }
}
