package io.quiesce.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.RestartRequest;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.HostRecord;
import io.quiesce.coordinator.store.ManifestCodec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The phases' messages between a coordinator and its agents as JSON, each read back with every field checked: a
 * peer is authenticated, but a bug or a hostile peer must still not make an agent act on a malformed order. A field
 * that is missing, of the wrong type or out of range is a {@link CheckpointException} naming it.
 */
final class Wire {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_TEXT = 4096;
    private static final int MAX_ITEMS = 1 << 16;

    private Wire() {
    }

    static ObjectNode object() {
        return ManifestCodec.JSON.createObjectNode();
    }

    // ---- checkpoint

    static ObjectNode plan(CheckpointPlan p) {
        ObjectNode o = object().put("jobId", p.jobId()).put("jobName", p.jobName()).put("epoch", p.epoch()).put("backend", p.backend())
                .put("saveFiles", p.saveFiles());
        ArrayNode f = o.putArray("fabrics");
        p.fabrics().forEach(f::add);
        return o;
    }

    static CheckpointPlan plan(JsonNode o) throws CheckpointException {
        List<String> fabrics = new ArrayList<>();
        for (JsonNode f : array(o, "fabrics")) {
            fabrics.add(name(f, "fabrics[]"));
        }
        return new CheckpointPlan(name(o.get("jobId"), "jobId"), name(o.get("jobName"), "jobName"), epoch(o.get("epoch")),
                name(o.get("backend"), "backend"), fabrics, bool(o.get("saveFiles"), "saveFiles"));
    }

    static ArrayNode endpoints(List<Endpoint> endpoints) {
        ArrayNode a = ManifestCodec.JSON.createArrayNode();
        endpoints.forEach(e -> a.add(endpoint(e)));
        return a;
    }

    private static ObjectNode endpoint(Endpoint e) {
        return object().put("fabric", e.fabric()).put("host", e.host()).put("pid", e.pid()).put("fd", e.fd()).put("kind", e.kind())
                .put("local", e.local()).put("remote", e.remote());
    }

    static List<Endpoint> endpoints(JsonNode a, String field) throws CheckpointException {
        List<Endpoint> out = new ArrayList<>();
        for (JsonNode e : array(a, field)) {
            out.add(endpoint(e));
        }
        return out;
    }

    private static Endpoint endpoint(JsonNode e) throws CheckpointException {
        if (e == null || !e.isObject()) {
            throw bad("endpoint", "is not an object");
        }
        long pid = number(e.get("pid"), "endpoint.pid", 1, 1L << 22);
        long fd = number(e.get("fd"), "endpoint.fd", -1, Integer.MAX_VALUE);
        return new Endpoint(name(e.get("fabric"), "endpoint.fabric"), name(e.get("host"), "endpoint.host"), pid, (int) fd,
                text(e.get("kind"), "endpoint.kind", true), text(e.get("local"), "endpoint.local", false),
                text(e.get("remote"), "endpoint.remote", true));
    }

    static ArrayNode channels(List<Channel> channels) {
        ArrayNode a = ManifestCodec.JSON.createArrayNode();
        for (Channel c : channels) {
            ObjectNode o = a.addObject().put("id", c.id());
            o.set("a", endpoint(c.a()));
            if (c.b() != null) {
                o.set("b", endpoint(c.b()));
            }
        }
        return a;
    }

    static List<Channel> channels(JsonNode body) throws CheckpointException {
        List<Channel> out = new ArrayList<>();
        for (JsonNode c : array(body, "channels")) {
            JsonNode b = c.get("b");
            out.add(new Channel(text(c.get("id"), "channels[].id", false), endpoint(c.get("a")), b == null || b.isNull() ? null : endpoint(b)));
        }
        return out;
    }

    /** A remote host's vote: its part's record, and every file of it with size and SHA-256. */
    static ObjectNode part(HostPart p) {
        ObjectNode o = object().put("bytes", p.bytes());
        o.set("record", ManifestCodec.JSON.valueToTree(p.record()));
        ArrayNode files = o.putArray("files");
        p.files().forEach(d -> files.addObject().put("name", d.name()).put("size", d.size()).put("sha256", d.sha256()));
        ArrayNode w = o.putArray("warnings");
        p.warnings().forEach(w::add);
        return o;
    }

    /**
     * @param expectedHost the host that voted: its record must be of that host, its files in its own folder
     */
    static HostPart part(JsonNode o, String expectedHost) throws CheckpointException {
        HostRecord record;
        try {
            record = ManifestCodec.JSON.treeToValue(o.get("record"), HostRecord.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            throw bad("record", "is not a host record");
        }
        if (record == null || !expectedHost.equals(record.host())) {
            throw bad("record.host", "is not " + expectedHost);
        }
        String folder = record.folder();
        if (folder == null || !NAME.matcher(folder).matches()) {
            throw bad("record.folder", "is not a plain folder name");
        }
        List<FileDigest> files = new ArrayList<>();
        for (JsonNode f : array(o, "files")) {
            String name = text(f.get("name"), "files[].name", false);
            if (!name.startsWith(folder + "/") || name.contains("/../") || name.endsWith("/..") || name.contains("//")) {
                throw bad("files[].name", "'" + name + "' is not inside the part's folder " + folder);
            }
            String sha = text(f.get("sha256"), "files[].sha256", false);
            if (!SHA256.matcher(sha).matches()) {
                throw bad("files[].sha256", "is not a SHA-256");
            }
            files.add(new FileDigest(name, number(f.get("size"), "files[].size", 0, Long.MAX_VALUE), sha));
        }
        List<String> warnings = new ArrayList<>();
        for (JsonNode w : array(o, "warnings")) {
            warnings.add(text(w, "warnings[]", false));
        }
        return new HostPart(record, number(o.get("bytes"), "bytes", 0, Long.MAX_VALUE), Map.of(), warnings, files);
    }

    // ---- restart

    static ObjectNode request(RestartRequest r) {
        ObjectNode o = object().put("exactPids", r.exactPids()).put("external", r.external().name()).put("keepFiles", r.keepFiles()).put("trust", r.trust());
        ObjectNode rel = o.putObject("relocations");
        r.relocations().forEach(rel::put);
        ObjectNode map = o.putObject("hostMap");
        r.hostMap().forEach(map::put);
        return o;
    }

    static RestartRequest request(JsonNode o, String target) throws CheckpointException {
        if (o == null || !o.isObject()) {
            throw bad("request", "is not an object");
        }
        Map<String, String> relocations = textMap(o.get("relocations"), "relocations");
        Map<String, String> hostMap = new HashMap<>();
        for (Map.Entry<String, String> e : textMap(o.get("hostMap"), "hostMap").entrySet()) {
            hostMap.put(name(ManifestCodec.JSON.getNodeFactory().textNode(e.getKey()), "hostMap"), name(ManifestCodec.JSON.getNodeFactory().textNode(e.getValue()), "hostMap"));
        }
        ExternalPolicy external;
        try {
            external = ExternalPolicy.valueOf(text(o.get("external"), "external", false));
        } catch (IllegalArgumentException e) {
            throw bad("external", "is not fail, close or reconnect");
        }
        return new RestartRequest(target, relocations, bool(o.get("exactPids"), "exactPids"), external, bool(o.get("trust"), "trust"), bool(o.get("keepFiles"), "keepFiles"), hostMap);
    }

    /** @return an object of texts as a map (absent: empty); a value that is not text is refused naming the field */
    private static Map<String, String> textMap(JsonNode rel, String field) throws CheckpointException {
        Map<String, String> out = new HashMap<>();
        if (rel != null && rel.isObject()) {
            for (var it = rel.fields(); it.hasNext();) {
                var e = it.next();
                out.put(text(ManifestCodec.JSON.getNodeFactory().textNode(e.getKey()), field, false), text(e.getValue(), field, false));
            }
        } else if (rel != null && !rel.isNull()) {
            throw bad(field, "is not an object");
        }
        return out;
    }

    /** @return the base64 field of an object, decoded, refused when it holds more than {@code max} bytes */
    static byte[] bytes(JsonNode o, String field, int max) throws CheckpointException {
        return base64(o == null ? null : o.get(field), field, max);
    }

    private static byte[] base64(JsonNode d, String label, int max) throws CheckpointException {
        if (d == null || !d.isTextual() || d.asText().length() > (max + 2) / 3 * 4) {
            throw bad(label, "is not base64 of at most " + max + " bytes");
        }
        try {
            return java.util.Base64.getDecoder().decode(d.asText());
        } catch (IllegalArgumentException e) {
            throw bad(label, "is not base64");
        }
    }

    static List<Long> pids(JsonNode o) throws CheckpointException {
        List<Long> out = new ArrayList<>();
        for (JsonNode p : array(o, "pids")) {
            out.add(number(p, "pids[]", 1, 1L << 22));
        }
        return out;
    }

    static List<String> texts(JsonNode o, String field) throws CheckpointException {
        List<String> out = new ArrayList<>();
        for (JsonNode t : array(o, field)) {
            out.add(text(t, field + "[]", false));
        }
        return out;
    }

    /** The most raw bytes of a channel in one chunk of the hand-over (a cluster frame holds a few, base64). */
    static final int CHUNK = 4 << 20;

    /** @return the bytes split into chunks of at most {@link #CHUNK}, in order per channel */
    static List<Map.Entry<String, byte[]>> chunks(Map<String, byte[]> bytes) {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>();
        bytes.forEach((channel, b) -> {
            for (int off = 0; off < b.length; off += CHUNK) {
                out.add(Map.entry(channel, java.util.Arrays.copyOfRange(b, off, Math.min(b.length, off + CHUNK))));
            }
        });
        return out;
    }

    static ArrayNode chunks(List<Map.Entry<String, byte[]>> chunks) {
        ArrayNode a = ManifestCodec.JSON.createArrayNode();
        chunks.forEach(c -> a.addObject().put("channel", c.getKey()).put("data", java.util.Base64.getEncoder().encodeToString(c.getValue())));
        return a;
    }

    /** @return the chunks of a hand-over message, each decoded and bounded */
    static List<Map.Entry<String, byte[]>> chunks(JsonNode o, String field) throws CheckpointException {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>();
        for (JsonNode c : array(o, field)) {
            String channel = text(c.get("channel"), field + "[].channel", false);
            out.add(Map.entry(channel, base64(c.get("data"), field + "[].data", CHUNK)));
        }
        return out;
    }

    /** @return a restart's published values (keyed channel ID, NUL, key) as a list of triples */
    static ArrayNode published(Map<String, String> values) {
        ArrayNode a = ManifestCodec.JSON.createArrayNode();
        values.forEach((k, v) -> {
            int nul = k.indexOf('\0');
            a.addObject().put("channel", k.substring(0, nul)).put("key", k.substring(nul + 1)).put("value", v);
        });
        return a;
    }

    static Map<String, String> published(JsonNode o, String field) throws CheckpointException {
        Map<String, String> out = new java.util.HashMap<>();
        for (JsonNode t : array(o, field)) {
            out.put(text(t.get("channel"), field + "[].channel", false) + "\0" + text(t.get("key"), field + "[].key", false),
                    text(t.get("value"), field + "[].value", false));
        }
        return out;
    }

    // ---- fields

    static String name(JsonNode n, String field) throws CheckpointException {
        if (n == null || !n.isTextual() || !NAME.matcher(n.asText()).matches()) {
            throw bad(field, "is not a name (letters, digits, '.', '_', '-', at most 64)");
        }
        return n.asText();
    }

    static long epoch(JsonNode n) throws CheckpointException {
        return number(n, "epoch", 1, io.quiesce.api.image.Manifest.MAX_EPOCH);
    }

    static long number(JsonNode n, String field, long min, long max) throws CheckpointException {
        if (n == null || !n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
            throw bad(field, "is not a number from " + min + " to " + max);
        }
        return n.asLong();
    }

    static boolean bool(JsonNode n, String field) throws CheckpointException {
        if (n == null || !n.isBoolean()) {
            throw bad(field, "is not true or false");
        }
        return n.asBoolean();
    }

    /** @return a remote exec's one-use secret: 64 lowercase hex digits */
    static String secret(JsonNode n, String field) throws CheckpointException {
        String s = text(n, field, false);
        if (!s.matches("[0-9a-f]{64}")) {
            throw bad(field, "is not 64 hex digits");
        }
        return s;
    }

    /** @return a TCP port number */
    static int port(JsonNode n, String field) throws CheckpointException {
        return (int) number(n, field, 1, 65535);
    }

    /** The longest command line a job's launcher may have run on another host (as Linux's MAX_ARG_STRLEN). */
    static final int MAX_COMMAND = 64 * 1024;

    static String text(JsonNode n, String field, boolean nullable) throws CheckpointException {
        return text(n, field, nullable, MAX_TEXT);
    }

    static String text(JsonNode n, String field, boolean nullable, int max) throws CheckpointException {
        if (n == null || n.isNull()) {
            if (nullable) {
                return null;
            }
            throw bad(field, "is missing");
        }
        if (!n.isTextual() || n.asText().length() > max || n.asText().indexOf('\0') >= 0) {
            throw bad(field, "is not a text of at most " + max + " characters");
        }
        return n.asText();
    }

    private static Iterable<JsonNode> array(JsonNode o, String field) throws CheckpointException {
        JsonNode a = o == null ? null : o.get(field);
        if (a == null || !a.isArray() || a.size() > MAX_ITEMS) {
            throw bad(field, "is not a list of at most " + MAX_ITEMS + " items");
        }
        return a;
    }

    private static CheckpointException bad(String field, String why) {
        return new CheckpointException("malformed cluster message: field '" + field + "' " + why);
    }
}
