package io.quiesce.coordinator;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.osgi.framework.Constants;

/**
 * The services of one kind (backends, fabrics, hooks) bound right now, in ranking order (highest first, then
 * oldest registration). Thread-safe; a snapshot taken for an operation stays valid when services come and go.
 *
 * @param <T> the service type
 */
final class Plugins<T> {
    /**
     * A bound service with the properties the platform shows.
     *
     * @param service   the service object
     * @param name      its name property
     * @param ranking   its service ranking
     * @param serviceId its service ID
     * @param bundleId  the ID of the bundle that registered it
     */
    record Bound<T>(T service, String name, int ranking, long serviceId, long bundleId) {
    }

    private static final Comparator<Bound<?>> ORDER = Comparator.<Bound<?>>comparingInt(b -> -b.ranking())
            .thenComparingLong(Bound::serviceId);

    private final CopyOnWriteArrayList<Bound<T>> bound = new CopyOnWriteArrayList<>();
    private final Function<T, String> nameOf;

    /** @param nameOf how to name a service whose registration has no name property */
    Plugins(Function<T, String> nameOf) {
        this.nameOf = nameOf;
    }

    void add(T service, Map<String, Object> props, String nameProperty) {
        Object n = props.get(nameProperty);
        String name = n != null ? n.toString() : nameOf.apply(service);
        int ranking = props.get(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0;
        long id = ((Number) props.getOrDefault(Constants.SERVICE_ID, 0L)).longValue();
        long bundle = ((Number) props.getOrDefault(Constants.SERVICE_BUNDLEID, -1L)).longValue();
        bound.add(new Bound<>(service, name, ranking, id, bundle));
    }

    void remove(T service) {
        bound.removeIf(b -> b.service() == service);
    }

    /** @return the bound services, highest ranking first */
    List<Bound<T>> all() {
        return bound.stream().sorted(ORDER).toList();
    }

    /**
     * @param name a name
     * @return the highest-ranked service with that name
     */
    Optional<Bound<T>> named(String name) {
        return all().stream().filter(b -> b.name().equals(name)).findFirst();
    }
}
