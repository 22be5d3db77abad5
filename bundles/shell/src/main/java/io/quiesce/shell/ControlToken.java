package io.quiesce.shell;

import io.quiesce.api.home.HomeFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The control port's shared secret: 32 random bytes, hex, in {@code $QUIESCE_HOME/token} (0600, a regular file of
 * the platform's user, never followed through a link). Both ends prove they hold it without sending it: the server
 * answers the client's nonce first ({@link #serverProof}), then the client answers the server's ({@link #clientProof});
 * both proofs cover both nonces and the port, so neither can be replayed on another connection or relayed from
 * another port. Used by the platform and by the {@code bin/quiesce} client.
 */
public final class ControlToken {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_FILE = 256;
    private final byte[] secret;

    private ControlToken(byte[] secret) {
        this.secret = secret;
    }

    /**
     * Loads the token, creating it (0600, exclusively: never through a link) when absent. An existing token that is a
     * link, not a regular file, another user's or open to group or others is refused, not repaired.
     *
     * @param file the token file, in a folder checked by {@link HomeFiles}
     * @return the token
     * @throws IOException when it cannot be read or created, or is refused
     */
    public static ControlToken loadOrCreate(Path file) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(ByteBuffer.wrap((HexFormat.of().formatHex(random(32)) + "\n").getBytes(StandardCharsets.US_ASCII)));
        } catch (FileAlreadyExistsException exists) {
            // ours from an earlier run, another platform's on the same home, or planted: load checks which
        }
        return load(file);
    }

    /**
     * Loads an existing token.
     *
     * @param file the token file
     * @return the token
     * @throws NoSuchFileException when there is none
     * @throws IOException         when it is refused (see {@link #loadOrCreate}) or holds no valid token
     */
    public static ControlToken load(Path file) throws IOException {
        String text = new String(HomeFiles.read(file, MAX_FILE, true), StandardCharsets.US_ASCII).trim();
        if (!text.matches("[0-9a-f]{32,}")) {
            throw new IOException(file + " holds no valid token (expected at least 32 hex digits)");
        }
        return new ControlToken(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * @param n how many bytes
     * @return that many random bytes
     */
    public static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** @return a fresh nonce (16 random bytes, hex) */
    public static String nonce() {
        return HexFormat.of().formatHex(random(16));
    }

    /**
     * @param port        the control port's TCP port
     * @param serverNonce the server's nonce (its hello)
     * @param clientNonce the client's nonce
     * @return what the server sends to prove it holds the token (hex)
     */
    public String serverProof(int port, String serverNonce, String clientNonce) {
        return hmac("quiesce-server " + port + " " + serverNonce + " " + clientNonce);
    }

    /**
     * @param port        the control port's TCP port
     * @param serverNonce the server's nonce
     * @param clientNonce the client's nonce
     * @return what the client sends to prove it holds the token (hex)
     */
    public String clientProof(int port, String serverNonce, String clientNonce) {
        return hmac("quiesce-client " + port + " " + serverNonce + " " + clientNonce);
    }

    /**
     * @param expected the proof computed here
     * @param received the proof the other end sent, or null
     * @return true when they are equal (compared in constant time)
     */
    public static boolean matches(String expected, String received) {
        return received != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), received.getBytes(StandardCharsets.US_ASCII));
    }

    String hmac(String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
