package io.quiesce.cluster;

/**
 * Heartbeats on a link: each end sends one after {@code heartbeatSeconds} without sending anything, and a peer heard
 * from for {@code lostSeconds} is lost (the link closes, naming it).
 *
 * @param heartbeatSeconds seconds of silence before a heartbeat is sent
 * @param lostSeconds      seconds without any frame before the peer is lost; more than two heartbeats
 */
public record Timing(int heartbeatSeconds, int lostSeconds) {
    /** One heartbeat a second, lost after five. */
    public static final Timing DEFAULT = new Timing(1, 5);

    public Timing {
        if (heartbeatSeconds < 1 || lostSeconds < 2 * heartbeatSeconds + 1) {
            throw new IllegalArgumentException("heartbeat every " + heartbeatSeconds + " s, lost after " + lostSeconds
                    + " s: a heartbeat needs at least 1 s, and a peer may be lost only after more than two are missed");
        }
    }
}
