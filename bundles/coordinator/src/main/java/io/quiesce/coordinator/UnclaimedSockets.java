package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.NotSupportedException;
import io.quiesce.process.ProcFs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A backend that leaves sockets to fabrics (see {@link io.quiesce.api.BackendCapability#FABRIC_ACCESS}) saves none itself, so a socket that no fabric discovered would come
 * back as a closed descriptor. Such a checkpoint is refused before anything is written, naming each socket.
 */
final class UnclaimedSockets {
    private UnclaimedSockets() {
    }

    static void refuse(HostJob job, List<FrozenProcess> frozen, List<Endpoint> endpoints) throws CheckpointException {
        ProcFs proc = new ProcFs(Path.of("/proc"));
        Map<Long, Map<Integer, Long>> sockets = new LinkedHashMap<>();
        for (FrozenProcess p : frozen) {
            try {
                sockets.put(p.pid(), proc.sockets(p.pid()));
            } catch (IOException e) {
                throw new CheckpointException("cannot list the descriptors of process " + p.pid() + ": " + e.getMessage(), p.pid(),
                        "ESRCH", null, e);
            }
        }
        // a socket shared by several descriptors (dup, fork) is claimed once, through any of them
        Set<Long> claimed = new HashSet<>();
        for (Endpoint e : endpoints) {
            Long inode = sockets.getOrDefault(e.pid(), Map.of()).get(e.fd());
            if (inode != null) {
                claimed.add(inode);
            }
        }
        List<String> unclaimed = new ArrayList<>();
        sockets.forEach((pid, fds) -> fds.forEach((fd, inode) -> {
            if (!claimed.contains(inode)) {
                unclaimed.add("process " + pid + " fd " + fd + " (socket:[" + inode + "])");
            }
        }));
        if (!unclaimed.isEmpty()) {
            throw new NotSupportedException("job " + job.jobId() + " has sockets that no installed fabric can save: "
                    + String.join(", ", unclaimed) + " (fabric 'tcp' handles TCP and UDP over IPv4/IPv6 and Unix stream, datagram and seqpacket sockets)");
        }
    }
}
