package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.api.CheckpointResult;
import io.quiesce.api.JobInfo;
import io.quiesce.api.JobState;
import io.quiesce.api.PluginInfo;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.Test;

public class FormatterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JobInfo job() {
        return new JobInfo("3", "sim", JobState.RUNNING, 100, List.of(100L, 101L), List.of("mpirun", "-n", "4", "./ring"),
                Instant.parse("2026-11-24T10:00:00Z"), Path.of("/h/jobs/3"), "userspace", null, 2);
    }

    @Test
    public void jobsJsonCarriesTheContractFields() throws Exception {
        JsonNode j = JSON.readTree(Formatter.jobs(List.of(job()), true)).get(0);
        assertEquals("3", j.get("job").asText());
        assertEquals("sim", j.get("name").asText());
        assertEquals("running", j.get("state").asText());
        assertEquals(101, j.get("pids").get(1).asLong());
        assertEquals(2, j.get("checkpoints").asInt());
        assertTrue(j.get("exitStatus").isNull());
    }

    @Test
    public void checkpointJsonCarriesTheContractFields() throws Exception {
        CheckpointResult r = new CheckpointResult("3", Path.of("/store/3/2"), 2, 1 << 20, 120, 80, "userspace", List.of("tcp"), true,
                List.of("PIDs change"));
        JsonNode j = JSON.readTree(Formatter.checkpoint(r, true));
        for (String f : new String[] { "job", "checkpoint", "epoch", "bytes", "millis", "pauseMillis" }) {
            assertTrue("field " + f, j.has(f));
        }
        assertEquals("/store/3/2", j.get("checkpoint").asText());
        assertEquals(80, j.get("pauseMillis").asLong());
        String text = Formatter.checkpoint(r, false);
        assertTrue(text, text.contains("1.0 MiB") && text.contains("job killed") && text.contains("warning: PIDs change"));
    }

    @Test
    public void pluginsJsonHasNameAvailabilityAndReason() throws Exception {
        List<PluginInfo> ps = List.of(new PluginInfo("userspace", true, null, 100, true, "b1", List.of("UNPRIVILEGED")),
                new PluginInfo("blcr", false, "module missing", 50, false, "b2", List.of()));
        JsonNode j = JSON.readTree(Formatter.plugins(ps, true, true));
        assertEquals("userspace", j.get(0).get("name").asText());
        assertTrue(j.get(0).get("available").asBoolean());
        assertTrue(j.get(0).get("reason").isNull());
        assertEquals("module missing", j.get(1).get("reason").asText());
        assertTrue(j.get(0).get("selected").asBoolean());
        assertTrue("fabrics have no selected flag", !JSON.readTree(Formatter.plugins(ps, true, false)).get(0).has("selected"));
        assertTrue(Formatter.plugins(ps, false, true).contains("unavailable: module missing"));
    }

    @Test
    public void restartCarriesPidsAndWarnings() throws Exception {
        io.quiesce.api.RestartResult r = new io.quiesce.api.RestartResult("3", Path.of("/store/3/2"), List.of(500L, 501L),
                List.of("restarted with new PIDs"));
        JsonNode j = JSON.readTree(Formatter.restart(r, true));
        assertEquals("/store/3/2", j.get("from").asText());
        assertEquals(501, j.get("pids").get(1).asLong());
        assertEquals("restarted with new PIDs", j.get("warnings").get(0).asText());
        assertTrue(Formatter.restart(r, false).endsWith("warning: restarted with new PIDs"));
    }

    @Test
    public void tablesAlignColumns() {
        String t = Formatter.table(List.of(new String[] { "A", "BB", "C" }, new String[] { "long", "x", "last column" }));
        assertEquals("A     BB  C\nlong  x   last column", t);
    }
}
