package io.quiesce.cluster;

import java.net.InetSocketAddress;

/** What a coordinator's {@link ClusterServer} asks about each agent that says hello, and tells of each outcome. */
public interface Admission {
    /**
     * Called once the agent's TLS certificate, protocol version and user have been checked.
     *
     * @param agent who the agent says it is
     * @param from  where it connects from
     * @return null to admit it, else why it is refused (sent to the agent)
     */
    String admit(Identity agent, InetSocketAddress from);

    /** @param link an admitted agent's link, welcomed; {@link Link#closed()} tells when it goes */
    void joined(Link link);

    /**
     * @param from   where a refused connection came from
     * @param reason why it was refused (bad key, protocol version, user, ...)
     */
    default void refused(InetSocketAddress from, String reason) {
    }
}
