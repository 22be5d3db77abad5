package io.quiesce.coordinator.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The coordinator's only native binding: waitpid and kill for the children it reaps. */
public interface LibC extends Library {
    /** The loaded C library. */
    LibC INSTANCE = Native.load("c", LibC.class);

    /** waitpid(2) options. */
    int WNOHANG = 1;

    int waitpid(int pid, int[] status, int options);

    int kill(int pid, int sig);
}
