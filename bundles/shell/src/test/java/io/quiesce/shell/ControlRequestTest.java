package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class ControlRequestTest {
    private static ControlRequest parse(String json) {
        return ControlRequest.parse(json.getBytes(StandardCharsets.UTF_8), Path.of("/home/u"));
    }

    private static void refused(String json, String field) {
        CommandFailure f = assertThrows(CommandFailure.class, () -> parse(json));
        assertEquals(CommandFailure.USAGE, f.exitStatus());
        assertTrue(f.getMessage(), f.getMessage().startsWith("bad control request: ") && f.getMessage().contains(field));
    }

    @Test
    public void aWellFormedRequestIsRead() {
        ControlRequest r = parse("{\"command\":\"launch\",\"args\":[\"--\",\"sleep\",\"9\"],\"cwd\":\"/tmp\",\"env\":{\"A\":\"b=c\"}}");
        assertEquals("launch", r.command());
        assertEquals(List.of("--", "sleep", "9"), r.args());
        assertEquals(Path.of("/tmp"), r.cwd());
        assertEquals(Map.of("A", "b=c"), r.env());
        ControlRequest plain = parse("{\"command\":\"jobs\"}");
        assertEquals(Path.of("/home/u"), plain.cwd());
        assertNull("no environment unless the client sends one", plain.env());
    }

    @Test
    public void malformedFieldsAreUsageErrorsNamingTheField() {
        refused("[1]", "not a JSON object");
        refused("{\"command\":\"j\\u0000obs\"}", "'command'");
        refused("{\"command\":7}", "'command'");
        refused("{\"command\":\"jobs\",\"args\":\"x\"}", "'args'");
        refused("{\"command\":\"jobs\",\"args\":[1]}", "'args'");
        // Path.of would throw InvalidPathException on a NUL: the connection would be left without a reply
        refused("{\"command\":\"jobs\",\"cwd\":\"/tmp/\\u0000x\"}", "'cwd'");
        refused("{\"command\":\"jobs\",\"cwd\":\"relative\"}", "'cwd'");
        refused("{\"command\":\"launch\",\"env\":{\"A=B\":\"c\"}}", "'env'");
        refused("{\"command\":\"launch\",\"env\":{\"A\":1}}", "'env'");
        refused("{\"command\":", "not JSON");
    }
}
