package io.quiesce.shell;

import java.util.concurrent.ThreadFactory;

/** Threads of the platform's ports: daemons, so that they never hold the JVM up, each named for what it serves. */
final class DaemonThreads {
    private DaemonThreads() {
    }

    /** @return a factory of daemon threads called {@code name} */
    static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
