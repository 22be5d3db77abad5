package io.quiesce.coordinator;

import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.Rendezvous;
import java.util.List;

/** Test access to the coordinator's own steps (pairing, the unclaimed-socket check, the rendezvous) for the fabric's tests. */
public final class CoordinatorSteps {
    private CoordinatorSteps() {
    }

    public static List<Channel> pair(String prefix, List<Endpoint> endpoints) {
        return ChannelPairing.pair(prefix, endpoints);
    }

    public static void refuseUnclaimed(HostJob job, List<FrozenProcess> frozen, List<Endpoint> endpoints) throws CheckpointException {
        UnclaimedSockets.refuse(job, frozen, endpoints);
    }

    public static Rendezvous rendezvous() {
        return new LocalRendezvous();
    }
}
