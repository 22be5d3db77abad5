package io.quiesce.fabric.tcp.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Socket addresses between their kernel layout and the text the fabric records and pairs by: {@code 127.0.0.1:40111}
 * ({@code struct sockaddr_in}: u16 family in host order, u16 port in network order, 4 address bytes, 8 zero bytes),
 * {@code [0:0:0:0:0:0:0:1]:40111} ({@code struct sockaddr_in6}: family, port, u32 flowinfo, 16 address bytes,
 * u32 scope id), and for AF_UNIX the path, {@code @name} for an abstract name, or the empty text for none.
 */
public final class SockAddr {
    /** Room for any address (sizeof struct sockaddr_storage). */
    public static final int MAX = 128;

    private SockAddr() {
    }

    /**
     * @param b   the kernel's bytes
     * @param len their length as the kernel returned it
     * @return the text form
     * @throws IllegalArgumentException for a family this fabric does not handle
     */
    public static String decode(byte[] b, int len) {
        int family = (b[0] & 0xff) | (b[1] & 0xff) << 8;
        int port = family == Net.AF_UNIX ? 0 : (b[2] & 0xff) << 8 | (b[3] & 0xff);
        try {
            switch (family) {
                case Net.AF_INET:
                    return InetAddress.getByAddress(Arrays.copyOfRange(b, 4, 8)).getHostAddress() + ":" + port;
                case Net.AF_INET6: {
                    String host = InetAddress.getByAddress(Arrays.copyOfRange(b, 8, 24)).getHostAddress();
                    int scope = (b[24] & 0xff) | (b[25] & 0xff) << 8 | (b[26] & 0xff) << 16 | (b[27] & 0xff) << 24;
                    return "[" + host + (scope != 0 ? "%" + scope : "") + "]:" + port;
                }
                case Net.AF_UNIX: {
                    if (len <= 2) {
                        return "";
                    }
                    if (b[2] == 0) {
                        return "@" + new String(b, 3, len - 3, StandardCharsets.ISO_8859_1);
                    }
                    int end = 2;
                    while (end < len && b[end] != 0) {
                        end++;
                    }
                    return new String(b, 2, end - 2, StandardCharsets.ISO_8859_1);
                }
                default:
                    throw new IllegalArgumentException("address family " + family);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * @param family the socket's family
     * @param text   the text form (for AF_UNIX: a path, {@code @name} abstract, or empty)
     * @return the kernel layout, exactly as long as the address
     * @throws IllegalArgumentException when the text is no address of that family
     */
    public static byte[] encode(int family, String text) {
        if (family == Net.AF_UNIX) {
            byte[] name = text.startsWith("@") ? ("\0" + text.substring(1)).getBytes(StandardCharsets.ISO_8859_1)
                    : text.getBytes(StandardCharsets.ISO_8859_1);
            byte[] b = new byte[2 + name.length + (text.startsWith("@") || text.isEmpty() ? 0 : 1)];
            b[0] = (byte) Net.AF_UNIX;
            System.arraycopy(name, 0, b, 2, name.length);
            return b;
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("no port in address '" + text + "'");
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        String host = text.substring(0, colon);
        int scope = 0;
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
            int pct = host.indexOf('%');
            if (pct >= 0) {
                scope = Integer.parseInt(host.substring(pct + 1));
                host = host.substring(0, pct);
            }
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(host); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is no IP address", e);
        }
        byte[] b;
        if (family == Net.AF_INET6) {
            byte[] ip = a instanceof Inet4Address ? mapped(a.getAddress()) : a.getAddress();
            b = new byte[28];
            b[0] = (byte) Net.AF_INET6;
            System.arraycopy(ip, 0, b, 8, 16);
            b[24] = (byte) scope;
            b[25] = (byte) (scope >> 8);
            b[26] = (byte) (scope >> 16);
            b[27] = (byte) (scope >> 24);
        } else {
            if (a instanceof Inet6Address) {
                throw new IllegalArgumentException("'" + text + "' is no IPv4 address");
            }
            b = new byte[16];
            b[0] = (byte) Net.AF_INET;
            System.arraycopy(a.getAddress(), 0, b, 4, 4);
        }
        b[2] = (byte) (port >> 8);
        b[3] = (byte) port;
        return b;
    }

    /** @return the same address with port 0 (text form) */
    public static String withoutPort(String text) {
        return text.substring(0, text.lastIndexOf(':')) + ":0";
    }

    /** @return the port of an IP address's text form */
    public static int port(String text) {
        return Integer.parseInt(text.substring(text.lastIndexOf(':') + 1));
    }

    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }
}
