package io.quiesce.api;

/**
 * One end of a channel as found in a frozen process.
 *
 * @param fabric the fabric that found it
 * @param host   the host name of the process
 * @param pid    the process
 * @param fd     its descriptor number in the process, or -1 when it has none (RDMA queue pairs)
 * @param kind   what it is, e.g. {@code tcp-established}, {@code tcp-listen}, {@code unix-stream}
 * @param local  its local address, e.g. {@code 127.0.0.1:40111}
 * @param remote its peer's address, or null for a listener
 */
public record Endpoint(String fabric, String host, long pid, int fd, String kind, String local, String remote) {
}
