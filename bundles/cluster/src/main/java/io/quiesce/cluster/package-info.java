/**
 * The cluster link: how a coordinator and the agents of a job's hosts talk. One TCP connection per agent, carried by
 * Apache Mina, encrypted and authenticated both ways with TLS 1.3 under the cluster key ({@link ClusterKey}: one
 * key pair, made once and copied to every host; each end accepts exactly that certificate). On it, length-prefixed
 * JSON frames of at most {@link ClusterProtocol#MAX_FRAME} bytes: a hello/welcome exchange that checks the protocol
 * version and the user on both sides, heartbeats, and requests correlated with their replies ({@link Link}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.quiesce.cluster;
