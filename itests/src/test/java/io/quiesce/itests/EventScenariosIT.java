package io.quiesce.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * An event-loop job through bin/quiesce, as root and again as {@code qtest}: evloop00's server watches its two
 * clients' channels (TCP loopback connections, or pipes), an eventfd and a timerfd with one epoll; it is
 * checkpointed while it runs, then with --kill and restarted, and must still answer every request (the tcp fabric
 * rebuilds the connections before the backend re-adds the epoll registrations).
 */
public class EventScenariosIT extends JobScenarios {
    private static final String REQUESTS = "1000";
    private static Path bin;

    @BeforeClass
    public static void compile() throws Exception {
        bin = compile("bundles/backend-userspace/src/test/c", List.of("evloop00.c"));
    }

    private void serves(String mode) throws Exception {
        for (Cli cli : users()) {
            start(cli);
            String name = "evloop-" + mode;
            launch(cli, name, bin.resolve("evloop00").toString(), mode, REQUESTS);
            Path log = output(cli, name);
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(log).contains("client 1 n=40 ")));
            assertFalse(cli.ok("checkpoint", name, "--json").get("killed").asBoolean());
            assertTrue(cli.user(), PlatformOptions.await(30000, () -> read(log).contains("client 1 n=80 ")));
            killAndRestartAll(cli, name);
            assertTrue(cli.user() + ":\n" + read(log), PlatformOptions.await(60000, () -> read(log).contains("evloop ")));
            String text = read(log);
            assertTrue(cli.user() + ":\n" + text, text.contains("evloop ok requests=2000 ") && !text.contains("MISMATCH"));
            assertTrue(cli.user(), PlatformOptions.await(20000, () -> exitedOk(cli, name)));
        }
    }

    @Test
    public void anEventLoopServerOverTcpLoopbackAnswersEveryRequestAcrossContinueAndRestart() throws Exception {
        serves("tcp");
    }

    @Test
    public void anEventLoopServerOverPipesAnswersEveryRequestAcrossContinueAndRestart() throws Exception {
        serves("pipe");
    }
}
