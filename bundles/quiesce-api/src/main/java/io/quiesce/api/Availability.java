package io.quiesce.api;

import java.util.Objects;

/**
 * Whether a plug-in can work on this host, and if not, why.
 *
 * @param available true when the plug-in can do its work here
 * @param reason    human-readable cause when not available (names what is missing); {@code null} when available
 */
public record Availability(boolean available, String reason) {

    /** Checks that an unavailable plug-in always says why. */
    public Availability {
        if (!available) {
            Objects.requireNonNull(reason, "an unavailable plug-in must give a reason");
        }
    }

    /** @return an availability without a reason */
    public static Availability yes() {
        return new Availability(true, null);
    }

    /**
     * @param reason what is missing on this host; never null
     * @return an unavailable result carrying the reason
     */
    public static Availability no(String reason) {
        return new Availability(false, reason);
    }

    /**
     * @param missing what a probe found missing, one phrase each; empty when nothing is
     * @return available when nothing is missing, else unavailable with the phrases joined by "; "
     */
    public static Availability unless(java.util.List<String> missing) {
        return missing.isEmpty() ? yes() : no(String.join("; ", missing));
    }

    /** @return {@code "available"} or {@code "unavailable: <reason>"}, as the shell shows it */
    @Override
    public String toString() {
        return available ? "available" : "unavailable: " + reason;
    }
}
