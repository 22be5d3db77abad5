package io.quiesce.fabric.tcp;

import io.quiesce.backend.userspace.UnprivilegedRerun;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Re-runs the fabric's scenario tests as the unprivileged user {@code qtest}; see {@link UnprivilegedRerun}. */
public class UnprivilegedRerunTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void scenarioTestsPassWithoutPrivileges() throws Exception {
        String only = System.getProperty("quiesce.rerun", ""); // e.g. -Dquiesce.rerun=RefillOverflowTest: only those (comma-separated)
        List<Class<?>> classes = List.<Class<?>>of(RingTest.class, TcpStreamTest.class, SocketpairTest.class, ListenerTest.class,
                HalfCloseTest.class, ExternalTest.class, RefillOverflowTest.class, EvloopTest.class, UnixDgramTest.class,
                UnixListenTest.class, UdpTest.class, ScmRightsTest.class, DualStackTest.class).stream()
                .filter(k -> only.isEmpty() || List.of(only.split(",")).contains(k.getSimpleName())).toList();
        UnprivilegedRerun.run(tmp.getRoot().toPath(), FabricTest.SRC, classes, 540,
                l -> l.startsWith("ring") || l.startsWith("tcpstream") || l.startsWith("socketpair") || l.startsWith("listen")
                        || l.startsWith("external") || l.startsWith("halfclose") || l.startsWith("refill") || l.contains("tcp: refill")
                        || l.contains("SIGCONT") || l.startsWith("evloop") || l.startsWith("unixdgram") || l.startsWith("unixlisten")
                        || l.startsWith("udp") || l.startsWith("dual") || l.startsWith("scmrights") || l.contains("credentials"));
    }
}
