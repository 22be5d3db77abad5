package io.quiesce.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.Test;

public class ExternalPolicyTest {

    @Test
    public void parsesEveryPolicyInAnyCase() {
        assertEquals(ExternalPolicy.FAIL, ExternalPolicy.parse("fail"));
        assertEquals(ExternalPolicy.CLOSE, ExternalPolicy.parse("Close"));
        assertEquals(ExternalPolicy.RECONNECT, ExternalPolicy.parse("RECONNECT"));
    }

    @Test
    public void rejectsOtherWordsNamingTheAcceptedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExternalPolicy.parse("retry"));
        assertTrue(e.getMessage(), e.getMessage().contains("'retry'") && e.getMessage().contains("fail, close, reconnect"));
    }

    @Test
    public void olderConstructorsDefaultToFail() {
        assertEquals(ExternalPolicy.FAIL, new RestartRequest("job", Map.of(), false).external());
        assertEquals(ExternalPolicy.FAIL, new RestoreOptions(Path.of("/tmp"), null, Map.of(), false).external());
        assertThrows(NullPointerException.class, () -> new RestartRequest("job", Map.of(), false, null));
    }
}
