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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A backend that leaves sockets to fabrics saves none itself, so a socket that no fabric discovered would come
 * back as a closed descriptor. Such a checkpoint is refused before anything is written, naming each socket.
 */
final class UnclaimedSockets {
    private UnclaimedSockets() {
    }

    static void refuse(HostJob job, List<FrozenProcess> frozen, List<Endpoint> endpoints) throws CheckpointException {
        Set<String> claimed = new HashSet<>();
        endpoints.forEach(e -> claimed.add(e.pid() + "/" + e.fd()));
        ProcFs proc = new ProcFs(Path.of("/proc"));
        List<String> unclaimed = new ArrayList<>();
        for (FrozenProcess p : frozen) {
            Map<Integer, Long> sockets;
            try {
                sockets = proc.sockets(p.pid());
            } catch (IOException e) {
                throw new CheckpointException("cannot list the descriptors of process " + p.pid() + ": " + e.getMessage(), p.pid(),
                        "ESRCH", null, e);
            }
            sockets.forEach((fd, inode) -> {
                if (!claimed.contains(p.pid() + "/" + fd)) {
                    unclaimed.add("process " + p.pid() + " fd " + fd + " (socket:[" + inode + "])");
                }
            });
        }
        if (!unclaimed.isEmpty()) {
            throw new NotSupportedException("job " + job.jobId() + " has sockets that no installed fabric can save: "
                    + String.join(", ", unclaimed) + " (fabric 'tcp' handles TCP over IPv4/IPv6 and Unix stream sockets)");
        }
    }
}
