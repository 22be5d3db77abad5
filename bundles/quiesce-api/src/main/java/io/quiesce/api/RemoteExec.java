package io.quiesce.api;

/**
 * What became of a {@link RemoteExecRequest} (API 1.6).
 *
 * @param host     the host the command runs on
 * @param local    true when that is this host: the requester runs the command itself, nothing was started
 * @param secret   for a remote host: 64 hex digits; the relay proves itself with the first half, the requester
 *                 answers with the second; null when local
 * @param relayPid the relay's PID on its host (the root of the job's piece there), or -1 when local
 */
public record RemoteExec(String host, boolean local, String secret, long relayPid) {
}
