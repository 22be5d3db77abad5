package io.quiesce.api;

/**
 * One host of the platform's cluster as {@code hosts} lists it: this platform itself, and either the agents that
 * joined it (on a coordinator) or the coordinator it joined (on an agent).
 *
 * @param name    the host's name among a job's hosts
 * @param address where its cluster link comes from or goes to; {@code -} for this platform
 * @param role    {@code coordinator}, {@code agent}, or {@code coordinator+agent} for a platform that is both (the
 *                single-host default, or a coordinator's own host)
 * @param state   {@code up}, {@code joining} (an agent trying to reach its coordinator), or {@code lost} (no heartbeat,
 *                or the link closed; with why in {@code note})
 * @param version the platform version it runs
 * @param jobs    its running jobs, or -1 when it could not be asked
 * @param note    what the user should know (why a host is lost, a configuration problem), or null
 */
public record HostInfo(String name, String address, String role, String state, String version, int jobs, String note) {
}
