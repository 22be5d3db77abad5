package io.quiesce.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The control port's shared secret: 32 random bytes, hex, in {@code $QUIESCE_HOME/token} (0600). A client proves it
 * can read the file by answering the server's nonce with HMAC-SHA256(token, nonce); the token never crosses the
 * socket.
 */
public final class ControlToken {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] secret;

    private ControlToken(byte[] secret) {
        this.secret = secret;
    }

    /**
     * Loads the token, creating it (0600) when absent, and tightens its mode when it is too open.
     *
     * @param file the token file
     * @return the token
     * @throws IOException when it cannot be read or created
     */
    public static ControlToken loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            try {
                Files.writeString(file, HexFormat.of().formatHex(random(32)) + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another platform on the same home made it first; use theirs
            }
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (text.length() < 32) {
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

    /**
     * @param nonce the server's challenge (hex)
     * @return the expected answer (hex)
     */
    public String answer(String nonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(nonce.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /**
     * @param nonce  the challenge sent
     * @param answer the client's answer, or null
     * @return true when the answer proves knowledge of the token (compared in constant time)
     */
    public boolean verify(String nonce, String answer) {
        return answer != null && MessageDigest.isEqual(answer(nonce).getBytes(StandardCharsets.US_ASCII),
                answer.getBytes(StandardCharsets.US_ASCII));
    }
}
