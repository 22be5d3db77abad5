package io.quiesce.fabric.mx;

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
 * Myrinet MX. Like verbs, MX endpoints are drained cooperatively by the application's library; this build detects
 * the hardware and reports it, and refuses to drain.
 */
@Component(immediate = true, property = Fabric.NAME + "=mx")
public class MxFabric implements Fabric {
    static final String LIBRARY = "libmyriexpress.so";
    private Availability availability;

    @Activate
    void activate() {
        List<String> missing = new ArrayList<>();
        if (HostProbe.entries(Path.of("/dev")).stream().noneMatch(n -> n.startsWith("mx"))) {
            missing.add("no Myrinet MX device (/dev/mx* is missing)");
        }
        if (HostProbe.findLibrary(LIBRARY).isEmpty()) {
            missing.add(LIBRARY + " is not installed");
        }
        availability = Availability.unless(missing);
    }

    @Override
    public String name() {
        return "mx";
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public FabricCheckpoint openCheckpoint(HostJob job, List<FrozenProcess> frozen) throws CheckpointException {
        throw new NotSupportedException("fabric 'mx' cannot drain MX endpoints in this build (needs the cooperative client library)");
    }

    @Override
    public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) throws CheckpointException {
        throw new NotSupportedException("fabric 'mx' cannot reconnect MX endpoints in this build");
    }
}
