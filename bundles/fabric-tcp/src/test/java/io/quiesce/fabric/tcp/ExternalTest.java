package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.ExternalPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** external00 talks to an echo server in this JVM, outside the job: reported at checkpoint, then fail/close/reconnect. */
public class ExternalTest extends FabricTest {
    private ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();

    @Before
    public void echoServer() throws Exception {
        server = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket c = server.accept();
                    accepted.incrementAndGet();
                    Thread e = new Thread(() -> echo(c), "echo");
                    e.setDaemon(true);
                    e.start();
                } catch (Exception e) {
                    return;
                }
            }
        }, "echo-server");
        t.setDaemon(true);
        t.start();
    }

    private static void echo(Socket c) {
        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
            byte[] b = new byte[65536];
            for (int n; (n = in.read(b)) > 0;) {
                out.write(b, 0, n);
            }
        } catch (Exception e) {
            // the client went away
        }
    }

    @After
    public void stopServer() throws Exception {
        server.close();
    }

    private String peer() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private Checkpoint killed(Path out, String bytes, String pace) throws Exception {
        int outer = launch(out, "external00", "127.0.0.1", Integer.toString(server.getLocalPort()), bytes, "reconnect", "16384", pace);
        await(out, l -> l.startsWith("external00 connected"), 30000);
        Thread.sleep(300);
        Checkpoint c = checkpoint(outer, true);
        System.out.println("external warnings: " + c.warnings());
        assertTrue(c.warnings().toString(), c.warnings().stream().anyMatch(w -> w.contains(peer())));
        return c;
    }

    @Test(timeout = 120000)
    public void failRefusesNamingThePeerThenCloseLetsTheAppReconnect() throws Exception {
        Path out = root().resolve("ext.out");
        Checkpoint c = killed(out, "8000000", "2000");
        try {
            restart(c.folder(), ExternalPolicy.FAIL);
            fail("restart with an external connection under --external fail");
        } catch (CheckpointException e) {
            System.out.println("external fail: " + e.getMessage());
            assertTrue(e.getMessage(), e.getMessage().contains(peer()));
        }
        List<Long> pids = restart(c.folder(), ExternalPolicy.CLOSE);
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        String all = Files.readString(out);
        assertTrue(all, all.contains("external00 connection lost") && all.contains("external ok bytes=8000000") && !all.contains("MISMATCH"));
    }

    @Test(timeout = 120000)
    public void reconnectConnectsANewSocketToThePeer() throws Exception {
        Path out = root().resolve("ext.out");
        // 100 ms between requests: at the freeze the client almost surely waits in its pause, with no request unanswered
        Checkpoint c = killed(out, "327680", "100000");
        int before = accepted.get();
        List<Long> pids = restart(c.folder(), ExternalPolicy.RECONNECT);
        assertTrue("the echo server got a new connection", accepted.get() > before || waitAccepted(before));
        assertExit0(waitExit((int) (long) pids.get(0), 90000));
        String all = Files.readString(out);
        assertTrue(all, all.contains("external ok bytes=327680 ") && all.contains("reconnects=0") && !all.contains("MISMATCH"));
    }

    private boolean waitAccepted(int before) throws InterruptedException {
        for (int i = 0; i < 100 && accepted.get() <= before; i++) {
            Thread.sleep(10);
        }
        return accepted.get() > before;
    }
}
