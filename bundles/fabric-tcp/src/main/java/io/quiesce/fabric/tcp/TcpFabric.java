package io.quiesce.fabric.tcp;

import io.quiesce.api.Availability;
import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.Fabric;
import io.quiesce.api.FabricCheckpoint;
import io.quiesce.api.FabricRestore;
import io.quiesce.api.FrozenProcess;
import io.quiesce.api.HostJob;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.Rendezvous;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Component;

/**
 * TCP between job processes. This build discovers every TCP socket of the frozen processes (through /proc, once
 * per checkpoint) and refuses to checkpoint a job that has one, naming each connection, because it cannot yet
 * drain and rebuild them; jobs without TCP sockets pass through untouched.
 */
@Component(immediate = true, property = Fabric.NAME + "=tcp")
public class TcpFabric implements Fabric {
    private final Path proc = Path.of("/proc");

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
        return new FabricCheckpoint() {
            @Override
            public List<Endpoint> discover() throws CheckpointException {
                List<Endpoint> out = new ArrayList<>();
                String host = hostName();
                for (FrozenProcess p : frozen) {
                    Map<Long, ProcNetTcp.Socket> sockets = sockets(p.pid());
                    for (Map.Entry<Integer, Long> fd : socketFds(p.pid()).entrySet()) {
                        ProcNetTcp.Socket s = sockets.get(fd.getValue());
                        if (s != null) {
                            boolean listen = s.state().equals("listen");
                            out.add(new Endpoint("tcp", host, p.pid(), fd.getKey(), "tcp-" + s.state(), s.local(), listen ? null : s.remote()));
                        }
                    }
                }
                return out;
            }

            @Override
            public void drain(List<Channel> channels) throws CheckpointException {
                if (!channels.isEmpty()) {
                    throw new NotSupportedException("fabric 'tcp' cannot drain TCP sockets in this build; the job has "
                            + channels.stream().map(c -> "PID " + c.a().pid() + " fd " + c.a().fd() + " " + c.a().kind() + " " + c.a().local()
                                    + (c.a().remote() == null ? "" : " -> " + c.a().remote())).collect(Collectors.joining(", ")));
                }
            }

            @Override
            public List<String> save(Path stagingFolder) {
                return List.of();
            }

            @Override
            public void resume() {
                // nothing was drained
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public FabricRestore openRestore(Path imageFolder, List<FrozenProcess> restored, Rendezvous rendezvous) {
        // Checkpoints this build commits hold no TCP connection, so there is nothing to rebuild.
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

    private Map<Long, ProcNetTcp.Socket> sockets(long pid) throws CheckpointException {
        Map<Long, ProcNetTcp.Socket> all = new HashMap<>();
        for (String f : new String[] { "tcp", "tcp6" }) {
            Path file = proc.resolve(pid + "/net/" + f);
            try {
                all.putAll(ProcNetTcp.parse(Files.readString(file)));
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), pid, null, file, e);
            }
        }
        return all;
    }

    private Map<Integer, Long> socketFds(long pid) throws CheckpointException {
        Map<Integer, Long> out = new HashMap<>();
        Path fds = proc.resolve(pid + "/fd");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(fds)) {
            for (Path fd : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closed) {
                    continue;
                }
                if (target.startsWith("socket:[")) {
                    out.put(Integer.parseInt(fd.getFileName().toString()), Long.parseLong(target.substring(8, target.length() - 1)));
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot list " + fds + ": " + e.getMessage(), pid, null, fds, e);
        }
        return out;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
