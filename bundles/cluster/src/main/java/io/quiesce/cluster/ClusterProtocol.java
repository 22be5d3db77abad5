package io.quiesce.cluster;

import java.util.regex.Pattern;

/** Constants of the cluster link's wire protocol. */
public final class ClusterProtocol {
    /**
     * The protocol version a hello and a welcome carry. Both ends must speak the same one: a message's meaning may
     * change between versions, so a mismatch is refused rather than guessed at. 2: settle and hand-over of
     * channels between hosts at checkpoint, listen before reconnect at restart.
     */
    public static final int VERSION = 2;
    /** The largest frame either end accepts (the JSON text, without its 4-byte length). */
    public static final int MAX_FRAME = 16 << 20;
    /** How long a connection may take from TCP accept to welcome: TLS handshake and hello. */
    public static final int HELLO_SECONDS = 10;

    static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]{0,31}");
    static final Pattern VERSION_TEXT = Pattern.compile("[A-Za-z0-9._+-]{1,64}");

    private ClusterProtocol() {
    }
}
