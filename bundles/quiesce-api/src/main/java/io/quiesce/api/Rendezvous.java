package io.quiesce.api;

import java.time.Duration;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A name service for one restart, provided by the coordinator: each end of a channel publishes its new address
 * under the channel's cluster-unique ID and the other end looks it up, across hosts. Thread-safe.
 */
@ProviderType
public interface Rendezvous {

    /**
     * @param channelId the channel's ID
     * @param key       which value (e.g. {@code "listen"})
     * @param value     the value, e.g. {@code "10.0.0.2:40111"}
     */
    void publish(String channelId, String key, String value);

    /**
     * @param channelId the channel's ID
     * @param key       which value
     * @param timeout   how long to wait for it to be published
     * @return the value, or empty if it was not published in time
     * @throws InterruptedException when the waiting thread is interrupted
     */
    Optional<String> lookup(String channelId, String key, Duration timeout) throws InterruptedException;
}
