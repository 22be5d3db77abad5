package io.quiesce.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.Rendezvous;
import io.quiesce.cluster.ClusterException;
import io.quiesce.cluster.Link;
import io.quiesce.coordinator.store.ManifestCodec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of another host, driven over its cluster link ({@link AgentRequests} answers there). Each phase is one
 * request; while the host's processes may be frozen, a lease renewal goes every second, so that an agent that stops
 * hearing them (this coordinator died, hangs or lost the link) resumes its processes on its own.
 */
final class RemoteAgent implements HostAgent {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteAgent.class);
    private static final long RENEW_MILLIS = 1000;
    private static final ScheduledExecutorService RENEWALS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quiesce-lease-renewal");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong RESTARTS = new AtomicLong();
    /** hand-over chunks per request: 2 x 4 MiB, base64, stays well under a cluster frame */
    static final int CHUNKS_PER_FRAME = 2;
    /** the most bytes one host may hand over in one checkpoint */
    private static final long MAX_TAKEN = 2L << 30;

    private final Link link;
    private final IntSupplier phaseSeconds;

    /**
     * @param link         the agent's link, up
     * @param phaseSeconds a phase's deadline; a request waits a little longer (the barrier decides first)
     */
    RemoteAgent(Link link, IntSupplier phaseSeconds) {
        this.link = link;
        this.phaseSeconds = phaseSeconds;
    }

    @Override
    public String host() {
        return link.peer().host();
    }

    private ObjectNode call(String op, ObjectNode body) throws CheckpointException {
        try {
            return link.call(op, body, Duration.ofSeconds(Math.max(1, phaseSeconds.getAsInt()) + 5L));
        } catch (ClusterException e) {
            // the link names the peer first ("b: ..."); the barrier names the host again
            String m = e.getMessage();
            String prefix = host() + ": ";
            throw new CheckpointException(m.startsWith(prefix) ? m.substring(prefix.length()) : m);
        }
    }

    private static ObjectNode session(String session) {
        return Wire.object().put("session", session);
    }

    @Override
    public HostCheckpoint prepare(CheckpointPlan plan) throws CheckpointException {
        String session = plan.jobId() + ":" + plan.epoch();
        ObjectNode body = session(session);
        body.set("plan", Wire.plan(plan));
        call("cp.prepare", body);
        return new RemoteCheckpoint(session);
    }

    @Override
    public HostRestart openRestart(RestartPlan plan, Rendezvous rendezvous) throws CheckpointException {
        String session = "r" + RESTARTS.incrementAndGet() + ":" + plan.manifest().jobId() + ":" + plan.manifest().epoch();
        ObjectNode body = session(session).put("host", plan.part().host());
        body.set("manifest", ManifestCodec.JSON.valueToTree(plan.manifest()));
        body.set("request", Wire.request(plan.request()));
        call("rs.open", body);
        return new RemoteRestart(session);
    }

    private ObjectNode copy(String session, io.quiesce.api.image.Manifest m, String part) {
        ObjectNode body = session(session).put("part", part);
        body.set("manifest", ManifestCodec.JSON.valueToTree(m));
        return body;
    }

    @Override
    public PartTransfer.Source sendPart(java.nio.file.Path checkpoint, io.quiesce.api.image.Manifest m, String part) throws CheckpointException {
        String session = "s" + RESTARTS.incrementAndGet() + ":" + part;
        call("im.send", copy(session, m, part));
        return new PartTransfer.Source() {
            @Override
            public byte[] read(String name, long offset) throws CheckpointException {
                return Wire.bytes(call("im.read", session(session).put("name", name).put("offset", offset)), "data", io.quiesce.coordinator.store.PartCopy.CHUNK);
            }

            @Override
            public void close() {
                end(session);
            }
        };
    }

    @Override
    public PartTransfer.Sink receivePart(java.nio.file.Path checkpoint, io.quiesce.api.image.Manifest m, String part) throws CheckpointException {
        String session = "r" + RESTARTS.incrementAndGet() + ":" + part;
        boolean present = call("im.receive", copy(session, m, part)).path("present").asBoolean(false);
        return new PartTransfer.Sink() {
            @Override
            public boolean present() {
                return present;
            }

            @Override
            public void write(String name, long offset, byte[] data) throws CheckpointException {
                call("im.write", session(session).put("name", name).put("offset", offset).put("data", java.util.Base64.getEncoder().encodeToString(data)));
            }

            @Override
            public void commit() throws CheckpointException {
                call("im.commit", session(session));
            }

            @Override
            public void close() {
                end(session);
            }
        };
    }

    private void end(String session) {
        try {
            call("im.end", session(session));
        } catch (CheckpointException e) {
            LOG.warn("host {}: ending copy {}: {}", host(), session, e.getMessage());
        }
    }

    /** One checkpoint of the agent's piece. */
    private final class RemoteCheckpoint implements HostCheckpoint {
        private final String session;
        private final ScheduledFuture<?> renewal;

        RemoteCheckpoint(String session) {
            this.session = session;
            this.renewal = RENEWALS.scheduleAtFixedRate(() -> {
                if (link.isOpen()) {
                    link.notify("cp.renew", session(session));
                }
            }, 0, RENEW_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public String host() {
            return RemoteAgent.this.host();
        }

        @Override
        public List<Endpoint> freeze() throws CheckpointException {
            List<Endpoint> found = Wire.endpoints(call("cp.freeze", session(session)), "endpoints");
            for (Endpoint e : found) {
                if (!e.host().equals(host())) {
                    throw new CheckpointException("host " + host() + " reported an endpoint of host " + e.host());
                }
            }
            return found;
        }

        @Override
        public void drain(List<Channel> channels) throws CheckpointException {
            ObjectNode body = session(session);
            body.set("channels", Wire.channels(channels));
            call("cp.drain", body);
        }

        @Override
        public void settle() throws CheckpointException {
            call("cp.settle", session(session));
        }

        @Override
        public java.util.Map<String, byte[]> taken() throws CheckpointException {
            // page by page: a frame holds a few chunks; the bytes of one channel come in order
            java.util.Map<String, java.io.ByteArrayOutputStream> all = new java.util.LinkedHashMap<>();
            long total = 0;
            for (int page = 0;; page++) {
                ObjectNode r = call("cp.taken", session(session).put("page", page));
                for (java.util.Map.Entry<String, byte[]> c : Wire.chunks(r, "chunks")) {
                    total += c.getValue().length;
                    if (total > MAX_TAKEN) {
                        throw new CheckpointException("host " + host() + " took more than " + MAX_TAKEN + " bytes from connections between hosts");
                    }
                    all.computeIfAbsent(c.getKey(), k -> new java.io.ByteArrayOutputStream()).writeBytes(c.getValue());
                }
                if (!Wire.bool(r.get("more"), "more")) {
                    break;
                }
            }
            java.util.Map<String, byte[]> out = new java.util.LinkedHashMap<>();
            all.forEach((k, v) -> out.put(k, v.toByteArray()));
            return out;
        }

        @Override
        public void sendAgain(java.util.Map<String, byte[]> bytes) throws CheckpointException {
            List<java.util.Map.Entry<String, byte[]>> chunks = Wire.chunks(bytes);
            for (int i = 0; i < chunks.size(); i += CHUNKS_PER_FRAME) {
                ObjectNode body = session(session);
                body.set("chunks", Wire.chunks(chunks.subList(i, Math.min(chunks.size(), i + CHUNKS_PER_FRAME))));
                call("cp.sendagain", body);
            }
        }

        @Override
        public HostPart dump() throws CheckpointException {
            return Wire.part(call("cp.dump", session(session)).get("part"), host());
        }

        @Override
        public void resume() throws CheckpointException {
            call("cp.resume", session(session));
        }

        @Override
        public void kill() throws CheckpointException {
            call("cp.kill", session(session));
        }

        @Override
        public String committed(io.quiesce.api.image.Manifest manifest) {
            try {
                ObjectNode body = session(session);
                body.set("manifest", ManifestCodec.JSON.valueToTree(manifest));
                call("cp.commit", body);
                return null;
            } catch (CheckpointException e) {
                LOG.warn("host {} was not told of the commit of {}: {}; it asks at its next join", host(), session, e.getMessage());
                return "host " + host() + " has not moved its part into place yet (" + e.getMessage() + "); it does when it joins again";
            }
        }

        @Override
        public void abort() {
            try {
                call("cp.abort", session(session));
            } catch (CheckpointException e) {
                // an agent that cannot be told resumes on its own when its lease ends, and deletes an unvoted part
                LOG.error("abort: host {} could not be told ({}); its lease makes it resume on its own", host(), e.getMessage());
            }
        }

        @Override
        public void close() {
            renewal.cancel(false);
            try {
                call("cp.close", session(session));
            } catch (CheckpointException e) {
                LOG.warn("host {}: closing checkpoint {}: {}", host(), session, e.getMessage());
            }
        }
    }

    /** One restart of a host part on the agent's host. */
    private final class RemoteRestart implements HostRestart {
        private final String session;
        private List<String> warnings = List.of();

        RemoteRestart(String session) {
            this.session = session;
        }

        @Override
        public String host() {
            return RemoteAgent.this.host();
        }

        @Override
        public void restore() throws CheckpointException {
            call("rs.restore", session(session));
        }

        @Override
        public java.util.Map<String, String> listen() throws CheckpointException {
            return Wire.published(call("rs.listen", session(session)), "published");
        }

        @Override
        public void reconnect(java.util.Map<String, String> published) throws CheckpointException {
            ObjectNode body = session(session);
            body.set("published", Wire.published(published));
            call("rs.reconnect", body);
        }

        @Override
        public void refill() throws CheckpointException {
            call("rs.refill", session(session));
        }

        @Override
        public List<Long> release() throws CheckpointException {
            ObjectNode r = call("rs.release", session(session));
            warnings = Wire.texts(r, "warnings");
            List<Long> pids = Wire.pids(r);
            if (pids.isEmpty()) {
                throw new CheckpointException("host " + host() + " released no process");
            }
            return pids;
        }

        @Override
        public List<String> warnings() {
            return warnings;
        }

        @Override
        public void close() {
            try {
                call("rs.close", session(session));
            } catch (CheckpointException e) {
                LOG.warn("host {}: closing restart {}: {}", host(), session, e.getMessage());
            }
        }
    }
}
