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
    /** SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
    int type = 1;
    /** Unix: the bound name and the peer's (text form of SockAddr) */
    String name;
    String peerName;
    /** SOCK_DGRAM/SOCK_SEQPACKET: the queued messages (their bytes are {@link #incoming}, one after the other) */
    List<Msg> records;
    /** a Unix listener: the inodes of the clients waiting in its accept queue */
    List<Long> waiting = List.of();
    /** this JVM's duplicate of the socket; null for a pending server end until accepted */
    Sock sock;

    // set by drain
    String channel;
    String role;
    Found peer;
    Found listenerOf;
    byte[] incoming;
    String strategy;
    /** a {@link TcpImage#REMOTE} end: what the other host's drain took of what this end sent, to send again */
    byte[] resend;

    /** A captured message and the job socket that sends it again (null: see {@link #sender}). */
    static final class Msg {
        final int length;
        final String from;
        Found by;
        /** TcpImage.Message.PLATFORM or DROPPED when {@link #by} is null */
        int sender = TcpImage.Message.PLATFORM;

        /** SCM_CREDENTIALS uid/gid the receiver got with it, or null */
        Integer uid;
        Integer gid;
        /** descriptors that came with it (SCM_RIGHTS), open in this JVM until sent again; or null */
        int[] fds;

        Msg(int length, String from) {
            this.length = length;
            this.from = from;
        }

        TcpImage.Message image() {
            return new TcpImage.Message(length, from, by != null ? by.id : sender, uid, gid);
        }
    }

    boolean messages() {
        return type == 2 || type == 5;
    }

    String describe() {
        return (fd >= 0 ? "process " + pid + " fd " + fd : "connection pending on the listener of process " + pid) + " (" + what() + ")";
    }

    /** @return e.g. {@code unix dgram /run/x.sock -> @peer}, {@code udp 127.0.0.1:5000} */
    String what() {
        String t = type == 2 ? " dgram" : type == 5 ? " seqpacket" : "";
        String at = "unix".equals(kind) ? (name == null || name.isEmpty() ? "unnamed" : name) + (remote != null ? " -> "
                + (peerName == null || peerName.isEmpty() ? "unnamed peer " + remote : peerName) : "") : local + (remote != null ? " -> " + remote : "");
        return kind + t + (listener ? " listener " : " ") + at;
    }

    static String state(int s) {
        String[] names = { "?", "established", "syn-sent", "syn-recv", "fin-wait1", "fin-wait2", "time-wait", "close", "close-wait",
                "last-ack", "listen", "closing", "new-syn-recv" };
        return s >= 0 && s < names.length ? names[s] : "state-" + s;
    }
}
