package io.quiesce.api;

import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A network drain strategy: finds a job's channels of one kind (TCP, verbs, MX, ...), empties them while the job
 * is frozen so no message is in flight during the dump, and rebuilds them after restart.
 *
 * <p>Register as an OSGi service with the {@link #NAME} property. The platform uses every available fabric for
 * every checkpoint; a fabric that cannot work here still registers and reports {@link Availability#no(String)}.
 * Sessions follow the phases of the quiesce protocol under named barriers:
 * checkpoint: discover → drain → save → resume; restart: reconnect → refill (then the backend releases).
 */
@ConsumerType
public interface Fabric {

    /** Service property: the fabric's name as users type it ({@code tcp}, {@code verbs}, {@code mx}). */
    String NAME = "quiesce.fabric.name";

    /** @return the fabric's name, equal to the {@link #NAME} service property */
    String name();

    /** @return whether this fabric can work here and, if not, why; cheap, any thread */
    Availability availability();

    /**
     * Starts the network part of a checkpoint. The processes are already frozen.
     *
     * @param job    the job on this host
     * @param frozen its frozen processes, as the backend returned them
     * @return the session; the caller always closes it
     * @throws CheckpointException   when the fabric cannot work with these processes
     * @throws NotSupportedException when the fabric cannot drain (yet), e.g. the backend offers no facility it needs
     */
    FabricCheckpoint openCheckpoint(HostJob job, List<FrozenProcess> frozen) throws CheckpointException;

    /**
     * Starts the network part of a restart. The processes are rebuilt and still stopped.
     *
     * @param imageFolder this host's part of the committed checkpoint, holding this fabric's saved records
     * @param restored    the rebuilt, stopped processes
     * @param rendezvous  where channel ends publish and look up their new addresses (across hosts)
     * @return the session; the caller always closes it
     * @throws CheckpointException when the saved channels cannot be rebuilt here
     */
    FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) throws CheckpointException;

    /**
     * Starts the network part of a restart with the user's options (e.g. the {@link ExternalPolicy}). The platform
     * calls this one; the default ignores the options.
     *
     * @param imageFolder this host's part of the committed checkpoint, holding this fabric's saved records
     * @param restored    the rebuilt, stopped processes
     * @param rendezvous  where channel ends publish and look up their new addresses (across hosts)
     * @param options     how the restart was asked for
     * @return the session; the caller always closes it
     * @throws CheckpointException when the saved channels cannot be rebuilt here
     */
    default FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous,
            RestoreOptions options) throws CheckpointException {
        return openRestore(imageFolder, restored, rendezvous);
    }
}
