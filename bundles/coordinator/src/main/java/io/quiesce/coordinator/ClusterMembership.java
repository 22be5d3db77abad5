package io.quiesce.coordinator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quiesce.api.HostInfo;
import io.quiesce.cluster.Admission;
import io.quiesce.cluster.ClusterClient;
import io.quiesce.cluster.ClusterException;
import io.quiesce.cluster.ClusterKey;
import io.quiesce.cluster.ClusterServer;
import io.quiesce.cluster.Identity;
import io.quiesce.cluster.Link;
import io.quiesce.cluster.Timing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * This platform's place in a cluster: the coordinator agents join (config {@code listen}), an agent of a coordinator
 * (config {@code join}), both, or neither (the single-host default). As a coordinator it keeps every agent that
 * joined, up or lost; as an agent it joins its coordinator and joins again, with back-off, whenever the link is lost.
 * A setting that cannot work (no cluster key, an address that cannot be bound) is logged and shown by {@code hosts};
 * the platform runs on as a single host.
 */
final class ClusterMembership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
    private static final Duration ASK = Duration.ofSeconds(2);

    private final Identity self;
    private final IntSupplier runningJobs;
    private final Timing timing;
    private final io.quiesce.cluster.RequestHandler requests;
    private final java.util.function.Consumer<Link> onJoined;
    private final Map<String, Agent> agents = new ConcurrentHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private ClusterServer server;
    private volatile Joiner joiner;

    /** One agent as the coordinator knows it. */
    private record Agent(Link link, InetSocketAddress from, long joinedAt) {
    }

    /**
     * @param requests answers what the other end asks beyond {@code status}: an agent's coordinator its phases, a
     *                 coordinator's agents their decisions
     * @param onJoined called (on the joining thread) each time this agent joined its coordinator
     */
    ClusterMembership(Path home, Identity self, String listen, String join, Timing timing, IntSupplier runningJobs,
            io.quiesce.cluster.RequestHandler requests, java.util.function.Consumer<Link> onJoined) {
        this.self = self;
        this.requests = requests;
        this.onJoined = onJoined;
        this.timing = timing;
        this.runningJobs = runningJobs;
        if (listen.isBlank() && join.isBlank()) {
            return;
        }
        ClusterKey key;
        try {
            key = ClusterKey.load(home);
        } catch (IOException e) {
            problem("cluster settings ignored (listen '" + listen + "', join '" + join + "'): " + e.getMessage());
            return;
        }
        if (!listen.isBlank()) {
            try {
                server = ClusterServer.listen(Endpoints.listenAddress(listen), key, self, timing, new AgentAdmission());
                LOG.info("coordinator {} listens for agents on {} (cluster key {})", self.host(), server.address(), key.fingerprint());
            } catch (IllegalArgumentException | ClusterException e) {
                problem("not listening for agents: " + e.getMessage());
            }
        }
        if (!join.isBlank()) {
            try {
                joiner = new Joiner(Endpoints.joinAddress(join), key);
                joiner.start();
            } catch (IllegalArgumentException e) {
                problem("not joining a coordinator: " + e.getMessage());
            }
        }
    }

    private synchronized void problem(String p) {
        LOG.error("{}", p);
        problems.add(p);
    }

    /** @return the address agents join, or null when not listening */
    InetSocketAddress listening() {
        return server == null ? null : server.address();
    }

    /**
     * @return the address the other hosts reach this one at: an agent's end of its link to the coordinator; a
     *         coordinator's listening address when it is a specific one, else its end of a link to an agent; null
     *         on a single host
     */
    String hostAddress() {
        Joiner j = joiner;
        if (j != null) {
            Link l = j.link;
            return l == null || l.localAddress() == null ? null : l.localAddress().getAddress().getHostAddress();
        }
        if (server != null && !server.address().getAddress().isAnyLocalAddress()) {
            return server.address().getAddress().getHostAddress();
        }
        return agents.values().stream().map(a -> a.link().localAddress()).filter(java.util.Objects::nonNull).findFirst()
                .map(a -> a.getAddress().getHostAddress()).orElse(null);
    }

    /** @return the link to the coordinator this platform is an agent of, when it is up; else null */
    Link coordinatorLink() {
        Joiner j = joiner;
        Link l = j == null ? null : j.link;
        return l != null && l.isOpen() ? l : null;
    }

    /** @return the coordinator this platform is an agent of, or null when it is a coordinator */
    String coordinatorHost() {
        Joiner j = joiner;
        Link l = j == null ? null : j.link;
        return j == null ? null : l == null ? "?" : l.peer().host();
    }

    List<HostInfo> hosts(String version) {
        List<HostInfo> out = new ArrayList<>();
        String note;
        synchronized (this) {
            note = problems.isEmpty() ? null : String.join("; ", problems);
        }
        Joiner j = joiner;
        String role = j != null ? "agent" : "coordinator+agent"; // a coordinator checkpoints its own host too
        out.add(new HostInfo(self.host(), server == null ? "-" : "listening on " + text(server.address()), role, "up", version,
                runningJobs.getAsInt(), note));
        if (j != null) {
            Link l = j.link;
            out.add(new HostInfo(l == null ? "?" : l.peer().host(), text(j.coordinator), "coordinator",
                    l != null && l.isOpen() ? "up" : "joining", l == null ? "?" : l.peer().version(), l != null && l.isOpen() ? jobsOf(l) : -1,
                    l != null && l.isOpen() ? null : j.lastProblem));
        }
        Map<String, CompletableFuture<ObjectNode>> asked = new java.util.TreeMap<>();
        agents.forEach((name, a) -> {
            if (a.link().isOpen()) {
                asked.put(name, a.link().request("status", JsonNodeFactory.instance.objectNode()));
            }
        });
        new java.util.TreeMap<>(agents).forEach((name, a) -> {
            int jobs = -1;
            CompletableFuture<ObjectNode> f = asked.get(name);
            if (f != null) {
                try {
                    jobs = f.get(ASK.toMillis(), TimeUnit.MILLISECONDS).path("running").asInt(-1);
                } catch (Exception e) {
                    jobs = -1;
                }
            }
            boolean up = a.link().isOpen();
            out.add(new HostInfo(name, text(a.from()), "agent", up ? "up" : "lost", a.link().peer().version(), jobs,
                    up ? null : a.link().closed().getNow(null)));
        });
        return out;
    }

    private static String text(InetSocketAddress a) {
        if (a == null) {
            return "?";
        }
        String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    private static int jobsOf(Link l) {
        try {
            return l.call("status", JsonNodeFactory.instance.objectNode(), ASK).path("running").asInt(-1);
        } catch (ClusterException e) {
            return -1;
        }
    }

    /** What this end answers the other. */
    private ObjectNode answer(Link link, String op, ObjectNode body) throws Exception {
        if (op.equals("status")) {
            return JsonNodeFactory.instance.objectNode().put("host", self.host()).put("running", runningJobs.getAsInt());
        }
        return requests.handle(link, op, body);
    }

    /** @return the link of the agent of that host, when it is up */
    java.util.Optional<Link> agent(String host) {
        Agent a = agents.get(host);
        return a != null && a.link().isOpen() ? java.util.Optional.of(a.link()) : java.util.Optional.empty();
    }

    /** @return true when an agent of that host joined since this platform started (up or lost now) */
    boolean knows(String host) {
        return agents.containsKey(host);
    }

    /** @return why the agent of that host cannot be used: lost (with why) or never joined */
    String whyNot(String host) {
        Agent a = agents.get(host);
        if (a == null) {
            return server == null ? "this platform is not a coordinator (config listen)" : "no agent of host " + host + " has joined (see hosts)";
        }
        return "the agent of host " + host + " is lost: " + a.link().closed().getNow("?");
    }

    @Override
    public void close() {
        Joiner j = joiner;
        joiner = null;
        if (j != null) {
            j.interrupt();
            Link l = j.link;
            if (l != null) {
                l.close("the agent " + self.host() + " is stopping");
            }
        }
        if (server != null) {
            agents.values().forEach(a -> a.link().close("the coordinator " + self.host() + " is stopping"));
            server.close();
        }
    }

    private final class AgentAdmission implements Admission {
        @Override
        public String admit(Identity agent, InetSocketAddress from) {
            if (agent.host().equals(self.host())) {
                return "host name " + agent.host() + " is the coordinator's own; give the agent another one (config host)";
            }
            Agent there = agents.get(agent.host());
            if (there != null && there.link().isOpen()) {
                return "host name " + agent.host() + " is taken by the agent at " + there.from()
                        + "; every host of a cluster needs a name of its own (config host)";
            }
            return null;
        }

        @Override
        public void joined(Link link) {
            link.onRequest(ClusterMembership.this::answer);
            agents.put(link.peer().host(), new Agent(link, link.remoteAddress(), System.currentTimeMillis()));
            link.closed().thenAccept(why -> LOG.warn("agent {} lost: {}", link.peer().host(), why));
        }
    }

    /** An agent's loop: join, stay joined while the link lives, join again after a loss. */
    private final class Joiner extends Thread {
        final InetSocketAddress coordinator;
        final ClusterKey key;
        volatile Link link;
        volatile String lastProblem;

        Joiner(InetSocketAddress coordinator, ClusterKey key) {
            super("quiesce-join");
            setDaemon(true);
            this.coordinator = coordinator;
            this.key = key;
        }

        @Override
        public void run() {
            long backoff = 1000;
            while (joiner == this) {
                try {
                    Link l = ClusterClient.join(coordinator, key, self, timing, Duration.ofSeconds(15));
                    l.onRequest(ClusterMembership.this::answer);
                    link = l;
                    onJoined.accept(l);
                    lastProblem = null;
                    backoff = 1000;
                    LOG.info("agent {} joined the coordinator {} at {}", self.host(), l.peer().host(), coordinator);
                    String why = l.closed().get();
                    lastProblem = why;
                    LOG.warn("agent {} lost its coordinator: {}", self.host(), why);
                } catch (ClusterException e) {
                    lastProblem = e.getMessage();
                    LOG.warn("agent {} cannot join the coordinator at {}: {} (trying again in {} s)", self.host(), coordinator,
                            e.getMessage(), backoff / 1000);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    lastProblem = e.toString();
                }
                try {
                    Thread.sleep(backoff); // back-off between attempts: nothing to synchronise with
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }
}
