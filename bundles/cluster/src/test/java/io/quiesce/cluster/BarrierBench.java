package io.quiesce.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Measures a coordinator barrier over real cluster links: N agents in this JVM join one coordinator over loopback
 * (TLS 1.3 with a fresh cluster key), then the coordinator sends one request to every agent and waits for every
 * reply, R times. Prints the join time and the barrier round trip (median, 90th percentile, worst). Run by
 * bench/cluster.sh; not a test.
 */
public final class BarrierBench {
    private BarrierBench() {
    }

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Path home = Files.createTempDirectory("barrier-bench");
        ClusterKey key = ClusterKey.init(home);
        String user = System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_");
        List<Link> joined = new CopyOnWriteArrayList<>();
        Timing timing = new Timing(5, 60); // a loaded JVM with N links: heartbeats are not what is measured
        try (ClusterServer server = ClusterServer.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), key,
                new Identity("coord", user, "bench"), timing, new Admission() {
                    @Override
                    public String admit(Identity agent, InetSocketAddress from) {
                        return null;
                    }

                    @Override
                    public void joined(Link link) {
                        joined.add(link);
                    }
                })) {
            long t0 = System.nanoTime();
            List<Link> clients = new ArrayList<>();
            List<CompletableFuture<Link>> pending = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                String name = "agent-" + i;
                pending.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        Link l = ClusterClient.join(server.address(), key, new Identity(name, user, "bench"), timing, Duration.ofSeconds(120));
                        l.onRequest((link, op, body) -> body.put("from", link.self().host()));
                        return l;
                    } catch (ClusterException e) {
                        throw new IllegalStateException(e.getMessage());
                    }
                }));
                if (pending.size() == 50) { // joins in waves: a TLS handshake storm is not the barrier
                    for (CompletableFuture<Link> f : pending) {
                        clients.add(f.get(120, TimeUnit.SECONDS));
                    }
                    pending.clear();
                }
            }
            for (CompletableFuture<Link> f : pending) {
                clients.add(f.get(120, TimeUnit.SECONDS));
            }
            while (joined.size() < agents) {
                Thread.sleep(10);
            }
            double joinSeconds = (System.nanoTime() - t0) / 1e9;
            long[] micros = new long[rounds];
            long[] sending = new long[rounds];
            for (int r = -3; r < rounds; r++) { // three warm-up rounds
                long s = System.nanoTime();
                List<CompletableFuture<ObjectNode>> replies = new ArrayList<>(agents);
                for (Link l : joined) {
                    replies.add(l.request("freeze", FrameCodec.JSON.createObjectNode().put("epoch", r)));
                }
                long sent = System.nanoTime();
                for (CompletableFuture<ObjectNode> f : replies) {
                    f.get(60, TimeUnit.SECONDS);
                }
                if (r >= 0) {
                    micros[r] = (System.nanoTime() - s) / 1000;
                    sending[r] = (sent - s) / 1000;
                }
            }
            Arrays.sort(micros);
            Arrays.sort(sending);
            System.out.printf("[cluster] %d agents joined over TLS in %.1f s; barrier round trip over %d rounds: median %.1f ms,"
                    + " p90 %.1f ms, worst %.1f ms (of which sending every request: median %.1f ms)%n", agents, joinSeconds, rounds,
                    micros[rounds / 2] / 1000.0, micros[(int) (rounds * 0.9)] / 1000.0, micros[rounds - 1] / 1000.0, sending[rounds / 2] / 1000.0);
            clients.forEach(l -> l.close("bench over"));
        } finally {
            io.quiesce.api.image.SecureFiles.deleteTree(home);
        }
        System.exit(0);
    }
}
