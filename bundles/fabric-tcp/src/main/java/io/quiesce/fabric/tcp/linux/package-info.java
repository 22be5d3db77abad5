/**
 * Every native declaration of the TCP fabric: the glibc socket calls it makes on duplicates of a job's sockets,
 * their constants (x86_64), socket address codecs and the NETLINK_SOCK_DIAG query for Unix socket peers.
 */
package io.quiesce.fabric.tcp.linux;
