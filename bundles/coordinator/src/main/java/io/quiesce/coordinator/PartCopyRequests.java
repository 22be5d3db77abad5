package io.quiesce.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.image.Manifest;
import io.quiesce.cluster.Link;
import io.quiesce.coordinator.store.PartCopy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * An agent's side of copying host parts for {@code restart --host-map}: {@code im.send} and {@code im.read} send a
 * part this host holds, {@code im.receive}, {@code im.write} and {@code im.commit} receive one it will restore,
 * {@code im.end} ends either. Each copy belongs to the link that opened it: when that link closes, a part being
 * received is deleted. File names are the manifest's, never the peer's (see {@link PartCopy}).
 */
final class PartCopyRequests implements AutoCloseable {
    /** The most copies one host holds open at once: a peer cannot grow this without bound. */
    private static final int MAX_OPEN = 64;

    /** @param what job, epoch and part, as {@link #key} makes it */
    private record Copy(Link link, PartTransfer.Source source, PartTransfer.Sink sink, String what) {
        void close() {
            if (source != null) {
                source.close();
            }
            if (sink != null) {
                sink.close();
            }
        }
    }

    private final String host;
    private final Supplier<LocalAgent> agent;
    private final Map<String, Copy> copies = new ConcurrentHashMap<>();

    /**
     * @param host      this host's name
     * @param agent     this host's agent for a coordinator elsewhere
     */
    PartCopyRequests(String host, Supplier<LocalAgent> agent) {
        this.host = host;
        this.agent = agent;
    }

    ObjectNode handle(Link link, String op, ObjectNode body) throws CheckpointException {
        dropClosed();
        String id = Wire.text(body.get("session"), "session", false);
        switch (op) {
            case "im.send", "im.receive" -> {
                if (copies.containsKey(id)) {
                    throw new CheckpointException("host " + host + ": copy " + id + " is already open here");
                }
                if (copies.size() >= MAX_OPEN) {
                    throw new CheckpointException("host " + host + " has " + MAX_OPEN + " copies open already: refused");
                }
                Manifest m = AgentRequests.manifest(body.get("manifest"));
                String part = Wire.name(body.get("part"), "part");
                if (PartCopy.files(m, part).isEmpty()) {
                    throw new CheckpointException("the checkpoint of job " + m.jobId() + " epoch " + m.epoch() + " lists no file of part " + part);
                }
                if (op.equals("im.send")) {
                    copies.put(id, new Copy(link, agent.get().sendPart(null, m, part), null, key(m.jobId(), m.epoch(), part)));
                    return Wire.object();
                }
                PartTransfer.Sink sink = agent.get().receivePart(null, m, part);
                if (sink.present()) {
                    sink.close();
                    return Wire.object().put("present", true);
                }
                copies.put(id, new Copy(link, null, sink, key(m.jobId(), m.epoch(), part)));
                return Wire.object().put("present", false);
            }
            case "im.end" -> {
                Copy c = copies.remove(id);
                if (c != null) {
                    c.close();
                }
                return Wire.object();
            }
            default -> {
                // the other ops act on an open copy of this link, in the direction it was opened
                Copy c = copies.get(id);
                if (c == null || c.link() != link) {
                    throw new CheckpointException("host " + host + " holds no copy " + id);
                }
                String name = "im.commit".equals(op) ? null : Wire.text(body.get("name"), "name", false);
                long offset = "im.commit".equals(op) ? 0 : Wire.number(body.get("offset"), "offset", 0, Long.MAX_VALUE);
                switch (op) {
                    case "im.read" -> {
                        if (c.source() == null) {
                            throw new CheckpointException("host " + host + ": copy " + id + " receives, it does not send");
                        }
                        return Wire.object().put("data", java.util.Base64.getEncoder().encodeToString(c.source().read(name, offset)));
                    }
                    case "im.write", "im.commit" -> {
                        if (c.sink() == null) {
                            throw new CheckpointException("host " + host + ": copy " + id + " sends, it does not receive");
                        }
                        if (op.equals("im.write")) {
                            c.sink().write(name, offset, Wire.bytes(body, "data", PartCopy.CHUNK));
                        } else {
                            c.sink().commit();
                        }
                        return Wire.object();
                    }
                    default -> throw new CheckpointException("host " + host + " does not answer '" + op + "'");
                }
            }
        }
    }

    private static String key(String jobId, long epoch, String part) {
        return jobId + "/" + epoch + "/" + part;
    }

    /** @return whether a copy open here (on a link still open) is receiving that part */
    boolean receiving(String jobId, long epoch, String part) {
        dropClosed();
        String k = key(jobId, epoch, part);
        return copies.values().stream().anyMatch(c -> c.sink() != null && c.what().equals(k));
    }

    /** Ends the copies of links that closed: a part half received is deleted. */
    void dropClosed() {
        copies.entrySet().removeIf(e -> {
            if (!e.getValue().link().isOpen()) {
                e.getValue().close();
                return true;
            }
            return false;
        });
    }

    @Override
    public void close() {
        copies.values().forEach(Copy::close);
        copies.clear();
    }
}
