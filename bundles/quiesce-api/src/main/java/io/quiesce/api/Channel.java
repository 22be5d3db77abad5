package io.quiesce.api;

/**
 * A connection between two endpoints, as the coordinator paired them.
 *
 * @param id   cluster-unique ID, stable within one checkpoint
 * @param a    the end on this host
 * @param b    the other end when it belongs to the job (maybe on another host); null for an external peer
 */
public record Channel(String id, Endpoint a, Endpoint b) {
    /** @return true when both ends are processes of the job */
    public boolean intraJob() {
        return b != null;
    }
}
