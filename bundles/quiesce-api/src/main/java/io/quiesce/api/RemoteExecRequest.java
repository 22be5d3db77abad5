package io.quiesce.api;

/**
 * A job's own launcher asking to start a command on another host as part of the job, the way it would ask ssh
 * (what {@code quiesce-rsh} sends; API 1.6).
 *
 * @param job          the job's ID or name
 * @param host         where the command is to run
 * @param command      the command line, for {@code /bin/sh -c} there (as ssh hands it to the remote shell)
 * @param port         the TCP port the requester listens on for the relay to connect back to
 * @param requesterPid the requesting process: it must be a process of the job on this host
 */
public record RemoteExecRequest(String job, String host, String command, int port, long requesterPid) {
    /** Checks the fields a request from a job's process could get wrong. */
    public RemoteExecRequest {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("no command to run");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port");
        }
    }
}
