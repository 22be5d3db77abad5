package io.quiesce.fabric.tcp;

import io.quiesce.api.Availability;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.Rendezvous;
import io.quiesce.api.RestoreOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * TCP (IPv4, IPv6) and Unix stream connections between the processes of a job, their listeners, and UDP and Unix
 * datagram/seqpacket sockets with their queued messages, DMTCP-style and unprivileged: sockets are read and drained
 * from duplicates taken with pidfd_getfd, and rebuilt at restart by a few system calls injected through the
 * backend's {@link io.quiesce.api.SyscallInjection}. See {@link TcpCheckpoint}, {@link Datagrams} and {@link TcpRestore}.
 */
@Component(immediate = true, property = Fabric.NAME + "=tcp")
public class TcpFabric implements Fabric {
    private volatile String host;

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public FabricCheckpoint openCheckpoint(HostJob job, List<FrozenProcess> frozen) {
        return new TcpCheckpoint(this, frozen);
    }

    @Override
    public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) throws CheckpointException {
        return openRestore(imageFolder, restored, rendezvous, null);
    }

    @Override
    public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous, RestoreOptions options)
            throws CheckpointException {
        TcpImage image = ImageStore.load(imageFolder);
        if (image == null || image.sockets().isEmpty()) {
            return new FabricRestore() {
                @Override
                public void reconnect() {
                }

                @Override
                public void refill() {
                }

                @Override
                public void close() {
                }
            };
        }
        MovedAddresses.Moved moved = options == null || options.movedFrom() == null ? MovedAddresses.Moved.unmoved(image)
                : MovedAddresses.translate(image, options.movedFrom(), options.hostAddress());
        return new TcpRestore(imageFolder, moved, restored, options == null ? ExternalPolicy.FAIL : options.external(),
                options != null && options.sharedHost(), rendezvous);
    }

    String host() {
        if (host == null) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return host;
    }
}
