package io.quiesce.fabric.tcp;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ExternalPolicy;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * udp00: UDP datagrams queued on a connected pair and on unconnected IPv4 and IPv6 sockets, from job peers and (two)
 * from the test JVM outside the job, through a continue, and a continue then kill and restart: every job datagram
 * kept with its source address and options (the program checks them); the outside ones are named in the warnings
 * and dropped.
 */
public class UdpTest extends FabricTest {
    private static final int K = 30;

    private int start(Path out, Path trigger) throws Exception {
        int outer = launch(out, "udp00", trigger.toString(), String.valueOf(K));
        String ports = await(out, l -> l.startsWith("udp ports"), 30000);
        int c = Integer.parseInt(ports.replaceAll(".*c=(\\d+).*", "$1"));
        try (DatagramSocket outside = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < 2; i++) {
                outside.send(new DatagramPacket(new byte[] { 1, 2, 3 }, 3, InetAddress.getLoopbackAddress(), c));
            }
        }
        await(out, l -> l.startsWith("udp child sent"), 30000);
        return outer;
    }

    private static int messages(Checkpoint c) {
        return c.image().sockets().stream().mapToInt(s -> s.records() == null ? 0
                : (int) s.records().stream().filter(m -> m.sender() != TcpImage.Message.DROPPED).count()).sum();
    }

    private static void outsideWarned(Checkpoint c) {
        assertTrue(c.warnings().toString(), c.warnings().stream().anyMatch(w -> w.contains("2 queued datagram(s) from outside the job")));
    }

    @Test(timeout = 120000)
    public void queuedDatagramsSurviveContinue() throws Exception {
        Path out = root().resolve("udp.out");
        Path trigger = root().resolve("go");
        int outer = start(out, trigger);
        Checkpoint c = checkpoint(outer, false);
        System.out.println("udp continue: " + captured(c) + " datagrams=" + messages(c) + " warnings=" + c.warnings());
        assertEquals(K + 16, messages(c));
        outsideWarned(c);
        Files.writeString(trigger, "go");
        assertExit0(waitExit(outer, 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("udp ok datagrams=" + (2 * K + 16) + " outside=0"));
    }

    @Test(timeout = 120000)
    public void queuedDatagramsSurviveContinueThenKillAndRestart() throws Exception {
        Path out = root().resolve("udp.out");
        Path trigger = root().resolve("go");
        int outer = start(out, trigger);
        Checkpoint c1 = checkpoint(outer, false);
        outsideWarned(c1);
        Checkpoint c2 = checkpoint(outer, true);
        System.out.println("udp kill: " + captured(c2) + " datagrams=" + messages(c2));
        assertEquals(K + 16, messages(c2));
        List<Long> pids = restart(c2.folder(), ExternalPolicy.FAIL);
        Files.writeString(trigger, "go");
        assertExit0(waitExit((int) (long) pids.get(0), 60000));
        clean(out);
        assertTrue(Files.readString(out), Files.readString(out).contains("udp ok datagrams=" + (2 * K + 16) + " outside=0"));
    }
}
