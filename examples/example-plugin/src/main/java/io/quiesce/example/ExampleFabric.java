package io.quiesce.example;

import io.quiesce.api.Availability;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.Rendezvous;
import java.nio.file.Path;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The smallest third-party fabric: registered with a name, reporting honestly that it drains nothing. */
@Component(property = Fabric.NAME + "=example")
public class ExampleFabric implements Fabric {
    @Override
    public String name() {
        return "example";
    }

    @Override
    public Availability availability() {
        return Availability.no("example bundle: shows how to register a fabric; it drains nothing");
    }

    @Override
    public FabricCheckpoint openCheckpoint(HostJob job, List<FrozenProcess> frozen) throws CheckpointException {
        throw new NotSupportedException("the example fabric drains nothing");
    }

    @Override
    public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) throws CheckpointException {
        throw new NotSupportedException("the example fabric reconnects nothing");
    }
}
