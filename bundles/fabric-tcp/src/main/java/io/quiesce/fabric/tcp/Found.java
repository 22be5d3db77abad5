package io.quiesce.fabric.tcp;

import io.quiesce.fabric.tcp.linux.Sock;
import java.util.ArrayList;
import java.util.List;

/** A socket of a frozen process as discovery found it, with what drain captured; mutable, one checkpoint only. */
final class Found {
    int id;
    long pid;
    int fd;
    long inode;
    boolean cloexec;
    String kind;
    int family;
    int state;
    String local;
    String remote;
    boolean listener;
    int backlog;
    int pendingCount;
    int flags;
    boolean finSent;
    List<TcpImage.Option> options = new ArrayList<>();
    /** this JVM's duplicate of the socket; null for a pending server end until accepted */
    Sock sock;

    // set by drain
    String channel;
    String role;
    Found peer;
    Found listenerOf;
    byte[] incoming;
    String strategy;

    String describe() {
        return (fd >= 0 ? "process " + pid + " fd " + fd : "connection pending on the listener of process " + pid) + " (" + kind + " "
                + local + (remote != null ? " -> " + remote : "") + ")";
    }

    static String state(int s) {
        String[] names = { "?", "established", "syn-sent", "syn-recv", "fin-wait1", "fin-wait2", "time-wait", "close", "close-wait",
                "last-ack", "listen", "closing", "new-syn-recv" };
        return s >= 0 && s < names.length ? names[s] : "state-" + s;
    }
}
