package io.quiesce.coordinator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiesce.api.Channel;
import io.quiesce.api.CheckpointException;
import io.quiesce.api.Endpoint;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.HostRecord;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The phases' messages read back as they were sent, and every malformed field refused by name. */
public class WireTest {
    private static final String SHA = "ab".repeat(32);

    private static HostPart part() {
        return new HostPart(new HostRecord("h2", List.of(), List.of("h2/pages-1.img"), "h2"), 4096, Map.of(), List.of("w"),
                List.of(new FileDigest("h2/pages-1.img", 4096, SHA)));
    }

    private static String refused(ObjectNode part, String host) {
        return assertThrows(CheckpointException.class, () -> Wire.part(part, host)).getMessage();
    }

    @Test
    public void messagesRoundTrip() throws Exception {
        CheckpointPlan plan = new CheckpointPlan("7", "sim", 3, "userspace", List.of("tcp"), true);
        assertEquals(plan, Wire.plan(Wire.plan(plan)));
        Endpoint a = new Endpoint("tcp", "h2", 100, 4, "tcp-established", "10.0.0.2:5000", "10.0.0.1:6000");
        Channel c = new Channel("7:3:tcp:1", a, null);
        ObjectNode body = Wire.object();
        body.set("channels", Wire.channels(List.of(c)));
        assertEquals(List.of(c), Wire.channels(body));
        HostPart back = Wire.part(Wire.part(part()), "h2");
        assertEquals(part().record(), back.record());
        assertEquals(part().files(), back.files());
        assertEquals(List.of("w"), back.warnings());
    }

    @Test
    public void aMalformedOrForeignVoteIsRefusedNamingTheField() {
        assertTrue(refused(Wire.part(part()), "h3").contains("'record.host' is not h3"));
        ObjectNode outside = Wire.part(part());
        ((ObjectNode) outside.get("files").get(0)).put("name", "h1/pages-1.img");
        assertTrue(refused(outside, "h2").contains("not inside the part's folder h2"));
        ObjectNode up = Wire.part(part());
        ((ObjectNode) up.get("files").get(0)).put("name", "h2/../h1/x");
        assertTrue(refused(up, "h2").contains("not inside"));
        ObjectNode sha = Wire.part(part());
        ((ObjectNode) sha.get("files").get(0)).put("sha256", "xyz");
        assertTrue(refused(sha, "h2").contains("'files[].sha256'"));
        ObjectNode size = Wire.part(part());
        ((ObjectNode) size.get("files").get(0)).put("size", -1);
        assertTrue(refused(size, "h2").contains("'files[].size'"));
        ObjectNode folder = Wire.part(part());
        ((ObjectNode) folder.get("record")).put("folder", "../h1");
        assertTrue(refused(folder, "h2").contains("'record.folder'"));
    }

    @Test
    public void aPlanWithABadFieldIsRefused() {
        ObjectNode plan = Wire.plan(new CheckpointPlan("7", "sim", 3, "userspace", List.of("tcp"), false));
        plan.put("jobId", "../7");
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.plan(plan)).getMessage().contains("'jobId'"));
        ObjectNode epoch = Wire.plan(new CheckpointPlan("7", "sim", 3, "userspace", List.of(), false));
        epoch.put("epoch", 0);
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.plan(epoch)).getMessage().contains("'epoch'"));
        ObjectNode missing = Wire.plan(new CheckpointPlan("7", "sim", 3, "userspace", List.of(), false));
        missing.remove("saveFiles");
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.plan(missing)).getMessage().contains("'saveFiles'"));
    }

    @Test
    public void aRestartRequestCarriesItsHostMapAndABadOneIsRefused() throws Exception {
        io.quiesce.api.RestartRequest r = new io.quiesce.api.RestartRequest("7", Map.of("/old", "/new"), true, io.quiesce.api.ExternalPolicy.CLOSE,
                false, true, Map.of("node-c", "node-a"));
        assertEquals(r, Wire.request(Wire.request(r), "7"));
        ObjectNode path = Wire.request(r);
        ((ObjectNode) path.get("hostMap")).put("node-c", "../node-a");
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.request(path, "7")).getMessage().contains("'hostMap'"));
        ObjectNode notObject = Wire.request(r);
        notObject.put("hostMap", "node-c=node-a");
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.request(notObject, "7")).getMessage().contains("'hostMap' is not an object"));
        ObjectNode chunk = Wire.object().put("data", java.util.Base64.getEncoder().encodeToString(new byte[64]));
        assertEquals(64, Wire.bytes(chunk, "data", 64).length);
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.bytes(chunk, "data", 32)).getMessage().contains("at most 32 bytes"));
        assertTrue(assertThrows(CheckpointException.class, () -> Wire.bytes(Wire.object().put("data", "*not base64*"), "data", 64))
                .getMessage().contains("is not base64"));
    }
}
