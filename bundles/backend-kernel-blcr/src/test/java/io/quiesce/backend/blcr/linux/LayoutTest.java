package io.quiesce.backend.blcr.linux;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.backend.blcr.NativeFixtures;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The JNA structures and constants against what gcc makes of blcr_abi.h (BLCR's declarations reproduced): a field
 * in the wrong order, a wrong type width or a wrong error number fails here rather than on a BLCR host.
 */
public class LayoutTest {
    private static final Map<String, Long> C = new HashMap<>();

    @BeforeClass
    public static void compile() throws Exception {
        for (String line : NativeFixtures.run(NativeFixtures.layoutProgram()).split("\n")) {
            String[] f = line.trim().split(" ");
            C.put(f[0] + " " + f[1], Long.parseLong(f[2]));
        }
    }

    private static long c(String key) {
        Long v = C.get(key);
        assertTrue("layout program printed no " + key, v != null);
        return v;
    }

    /** Exposes the protected offsets of a structure. */
    private static final class Args extends CrCheckpointArgs {
        int offset(String field) {
            return fieldOffset(field);
        }

        List<String> order() {
            return getFieldOrder();
        }
    }

    /** Exposes the protected offsets of a structure. */
    private static final class Tv extends Timeval {
        int offset(String field) {
            return fieldOffset(field);
        }
    }

    @Test
    public void checkpointArgsMatchTheCLayoutFieldByField() {
        Args a = new Args();
        assertEquals(c("size cr_checkpoint_args_t"), a.size());
        assertEquals(CrCheckpointArgs.SIZE, a.size());
        List<String> fields = List.of("cr_version", "cr_scope", "cr_target", "cr_fd", "cr_signal", "cr_timeout", "cr_flags");
        assertEquals(fields, a.order());
        for (String f : fields) {
            assertEquals(f, c("offset cr_checkpoint_args_t." + f), a.offset(f));
        }
    }

    @Test
    public void timevalAndHandleMatchTheCLayout() {
        Tv t = new Tv();
        assertEquals(c("size timeval"), t.size());
        assertEquals(c("offset timeval.tv_sec"), t.offset("tv_sec"));
        assertEquals(c("offset timeval.tv_usec"), t.offset("tv_usec"));
        assertEquals("the handle is an unsigned long, bound as NativeLong", c("size cr_checkpoint_handle_t"), com.sun.jna.Native.LONG_SIZE);
        Timeval split = new Timeval(2_500_001);
        assertEquals(2, split.tv_sec.longValue());
        assertEquals(500_001, split.tv_usec.longValue());
    }

    @Test
    public void everyConstantOfLibCrEqualsTheHeader() throws Exception {
        int checked = 0;
        for (Map.Entry<String, Long> e : C.entrySet()) {
            if (!e.getKey().startsWith("const ")) {
                continue;
            }
            String name = e.getKey().substring(6);
            assertEquals(name, e.getValue().longValue(), LibCr.class.getField(name).getInt(null));
            checked++;
        }
        assertEquals("constants compared", 30, checked);
        assertEquals(2356, LibCr.CR_ENOSUPPORT);
    }
}
