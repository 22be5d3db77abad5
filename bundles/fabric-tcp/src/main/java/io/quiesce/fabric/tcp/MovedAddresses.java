package io.quiesce.fabric.tcp;

import io.quiesce.api.CheckpointException;
import io.quiesce.fabric.tcp.TcpImage.SocketImage;
import io.quiesce.fabric.tcp.linux.Net;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A part restored on a host other than the one that saved it ({@code restart --host-map}): the saved host's IP
 * addresses are not this host's, so every socket bound to one binds, in its place, the address the job's other
 * hosts reach this host at (its cluster link's), on the same port. Wildcard and loopback addresses stay as they are,
 * and so does any address this host has too. Peers learn the new addresses through the restart's rendezvous; a
 * process that kept its old address as text (to hand it to others later) is beyond what a fabric can change.
 */
final class MovedAddresses {
    private MovedAddresses() {
    }

    /** The image to rebuild here, and what was replaced. */
    record Moved(TcpImage image, Map<Integer, String> savedLocal, List<String> warnings) {
        /** A part restored on the host that saved it: nothing replaced. */
        static Moved unmoved(TcpImage image) {
            return new Moved(image, Map.of(), List.of());
        }
    }

    /**
     * @param image       the saved image
     * @param movedFrom   the host that saved it
     * @param hostAddress this host's address, or null when unknown
     * @return the image with every local address that is not this host's replaced, the saved ones by socket ID
     * @throws CheckpointException when an address must be replaced and this host's address is unknown or of
     *                             another family; names the socket
     */
    static Moved translate(TcpImage image, String movedFrom, String hostAddress) throws CheckpointException {
        Map<String, String> replaced = new LinkedHashMap<>();
        Map<String, Boolean> mine = new java.util.HashMap<>();
        Map<Integer, String> saved = new LinkedHashMap<>();
        List<SocketImage> out = new ArrayList<>();
        for (SocketImage s : image.sockets()) {
            String ip = ip(s);
            if (ip == null || mine.computeIfAbsent(ip, MovedAddresses::here)) {
                out.add(s);
                continue;
            }
            String to = replaced.get(ip);
            if (to == null) {
                to = replacement(s, ip, movedFrom, hostAddress);
                replaced.put(ip, to);
            }
            String port = s.local().substring(s.local().lastIndexOf(':'));
            saved.put(s.id(), s.local());
            out.add(s.withLocal(to + port));
        }
        List<String> warnings = new ArrayList<>();
        replaced.forEach((from, to) -> warnings.add("host " + movedFrom + "'s address " + from + " is not on this host: its sockets are bound to "
                + to + " (this host's cluster address) on the same ports"));
        return new Moved(new TcpImage(image.magic(), image.formatVersion(), out), saved, warnings);
    }

    /** @return the IP of a TCP or UDP socket's local address as text, or null (Unix, unbound) */
    private static String ip(SocketImage s) {
        if ("unix".equals(s.kind()) || s.local() == null || s.local().lastIndexOf(':') < 0) {
            return null;
        }
        String h = s.local().substring(0, s.local().lastIndexOf(':'));
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** @return whether this host can bind the address: a wildcard, a loopback or one of its own */
    private static boolean here(String ip) {
        InetAddress a;
        try {
            a = InetAddress.getByName(ip); // a literal: no name service is asked
        } catch (IOException e) {
            return true; // not an IP literal: left for the bind to name
        }
        if (a.isAnyLocalAddress() || a.isLoopbackAddress()) {
            return true;
        }
        try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(a, 0))) {
            return true;
        } catch (IOException e) {
            return false; // EADDRNOTAVAIL: the address is another host's
        }
    }

    private static String replacement(SocketImage s, String ip, String movedFrom, String hostAddress) throws CheckpointException {
        if (hostAddress == null) {
            throw new CheckpointException("fabric 'tcp': " + Rebuild.what(s) + " of host " + movedFrom + " is bound to " + ip
                    + ", which is not an address of this host, and this host's cluster address is unknown");
        }
        InetAddress h;
        try {
            h = InetAddress.getByName(hostAddress);
        } catch (IOException e) {
            throw new CheckpointException("fabric 'tcp': this host's cluster address '" + hostAddress + "' is not an IP address");
        }
        if (s.family() == Net.AF_INET6) {
            return "[" + (h instanceof Inet4Address ? "::ffff:" : "") + h.getHostAddress() + "]";
        }
        if (!(h instanceof Inet4Address)) {
            throw new CheckpointException("fabric 'tcp': " + Rebuild.what(s) + " of host " + movedFrom + " is bound to the IPv4 address " + ip
                    + ", which is not on this host, and this host's cluster address " + hostAddress + " is IPv6");
        }
        return h.getHostAddress();
    }
}
