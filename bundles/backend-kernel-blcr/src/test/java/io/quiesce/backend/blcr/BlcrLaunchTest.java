package io.quiesce.backend.blcr;

import static org.junit.Assert.assertEquals;

import io.quiesce.api.LaunchSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Launch preparation follows cr_run: libcr_run.so.0 first in LD_PRELOAD, earlier libcr preloads dropped. */
public class BlcrLaunchTest {
    private static LaunchSpec spec(Map<String, String> env) {
        return new LaunchSpec(List.of("./solver", "--in", "x"), env, Path.of("/work"), Path.of("/work/out"), Path.of("/work/out"));
    }

    @Test
    public void preloadsLibcrRunIntoAJobWithoutPreloads() {
        LaunchSpec s = new BlcrBackend().prepareLaunch(spec(Map.of("HOME", "/home/u")));
        assertEquals("libcr_run.so.0", s.environment().get("LD_PRELOAD"));
        assertEquals("/home/u", s.environment().get("HOME"));
        assertEquals(List.of("./solver", "--in", "x"), s.argv());
        assertEquals(Path.of("/work"), s.workingDir());
    }

    @Test
    public void putsLibcrRunFirstAndDropsOtherLibcrPreloads() {
        Map<String, String> env = new HashMap<>();
        env.put("LD_PRELOAD", "libfoo.so:/opt/blcr/lib/libcr_omit.so.0 libbar.so::/usr/lib/libcr_run.so.0");
        LaunchSpec s = BlcrEngine.prepareLaunch(spec(env));
        assertEquals("libcr_run.so.0:libfoo.so:libbar.so", s.environment().get("LD_PRELOAD"));
        assertEquals("preparing twice changes nothing", s.environment(), BlcrEngine.prepareLaunch(s).environment());
    }
}
