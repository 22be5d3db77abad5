package io.quiesce.fabric.verbs;

import io.quiesce.api.Availability;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.HostProbe;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.Rendezvous;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * InfiniBand, iWARP and RoCE through verbs. RDMA queue pairs cannot be drained from outside a process, so this
 * fabric is cooperative (the application's MPI library drains and reconnects through a client library); this build
 * detects the hardware and reports it, and refuses to drain.
 */
@Component(immediate = true, property = Fabric.NAME + "=verbs")
public class VerbsFabric implements Fabric {
    static final Path DEVICES = Path.of("/sys/class/infiniband");
    static final String LIBRARY = "libibverbs.so.1";
    private Availability availability;

    @Activate
    void activate() {
        List<String> missing = new ArrayList<>();
        if (HostProbe.entries(DEVICES).isEmpty()) {
            missing.add("no RDMA device (" + DEVICES + " is empty or missing)");
        }
        if (HostProbe.findLibrary(LIBRARY).isEmpty()) {
            missing.add(LIBRARY + " is not installed");
        }
        availability = Availability.unless(missing);
    }

    @Override
    public String name() {
        return "verbs";
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public FabricCheckpoint openCheckpoint(HostJob job, List<FrozenProcess> frozen) throws CheckpointException {
        throw new NotSupportedException("fabric 'verbs' cannot drain queue pairs in this build (needs the cooperative client library)");
    }

    @Override
    public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) throws CheckpointException {
        throw new NotSupportedException("fabric 'verbs' cannot reconnect queue pairs in this build");
    }
}
