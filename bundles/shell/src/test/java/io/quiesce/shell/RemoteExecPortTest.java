package io.quiesce.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.RemoteExecRequest;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** What quiesce-rsh sends over rexec.sock, parsed, and what is not a request refused with why. */
public class RemoteExecPortTest {
    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void aRequestKeepsItsCommandWhole() {
        RemoteExecRequest r = RemoteExecPort.parse(raw("rexec1\0job3\0node-b\0" + "40123\0" + "77\0" + "orted -mca a 'b c'\n; echo"));
        assertEquals("job3", r.job());
        assertEquals("node-b", r.host());
        assertEquals(40123, r.port());
        assertEquals(77, r.requesterPid());
        assertEquals("orted -mca a 'b c'\n; echo", r.command());
    }

    @Test
    public void whatIsNotARequestIsRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RemoteExecPort.parse(raw("rexec2\0j\0h\0" + "1\0" + "2\0cmd")))
                .getMessage().contains("version 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RemoteExecPort.parse(raw("rexec1\0j\0h\0port\0" + "2\0cmd")))
                .getMessage().contains("port 'port'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RemoteExecPort.parse(raw("rexec1\0j\0h\0" + "70000\0" + "2\0cmd")))
                .getMessage().contains("not a TCP port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RemoteExecPort.parse(raw("rexec1\0j\0h\0" + "1\0" + "2\0 ")))
                .getMessage().contains("no command"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RemoteExecPort.parse(raw("rexec1\0j\0h\0" + "1\0" + "2\0a\0b")))
                .getMessage().contains("NUL"));
        assertThrows(IllegalArgumentException.class, () -> RemoteExecPort.parse(raw("rexec1\0j\0h")));
    }
}
