package io.quiesce.api;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A process of a job that a backend holds stopped (during a checkpoint, or rebuilt but not yet released).
 * Fabrics use it to find and drain the process's endpoints.
 */
@ProviderType
public interface FrozenProcess {

    /** @return the process ID on this host */
    long pid();

    /**
     * @return the process ID this process had when its checkpoint was taken (what fabrics recorded then); for a
     *         process frozen for a checkpoint, {@link #pid()}
     */
    default long originalPid() {
        return pid();
    }

    /**
     * A backend-specific facility, such as a way to run a system call inside the stopped process. Fabrics ask for
     * the facilities they need and report themselves unable to drain when a backend offers none.
     *
     * @param <T>  the facility type
     * @param type the facility's interface
     * @return the facility, or empty when this backend does not offer it
     */
    <T> Optional<T> facility(Class<T> type);
}
