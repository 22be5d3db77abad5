package io.quiesce.coordinator;

import io.quiesce.api.Rendezvous;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The single-host name service of one restart: published values wait in memory for their lookups. */
final class LocalRendezvous implements Rendezvous {
    private final Map<String, String> values = new HashMap<>();

    @Override
    public synchronized void publish(String channelId, String key, String value) {
        values.put(channelId + "\0" + key, value);
        notifyAll();
    }

    /** @return every value, keyed by channel ID, NUL, key */
    synchronized Map<String, String> snapshot() {
        return Map.copyOf(values);
    }

    /** Adds values another host published (keyed as {@link #snapshot} gives them). */
    synchronized void putAll(Map<String, String> published) {
        values.putAll(published);
        notifyAll();
    }

    @Override
    public synchronized Optional<String> lookup(String channelId, String key, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String k = channelId + "\0" + key;
        while (!values.containsKey(k)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return Optional.of(values.get(k));
    }
}
