package io.quiesce.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.CumulativeProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolCodecFactory;
import org.apache.mina.filter.codec.ProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolDecoderException;
import org.apache.mina.filter.codec.ProtocolDecoderOutput;
import org.apache.mina.filter.codec.ProtocolEncoder;
import org.apache.mina.filter.codec.ProtocolEncoderAdapter;
import org.apache.mina.filter.codec.ProtocolEncoderOutput;

/**
 * Frames on the link: a 4-byte big-endian length, then that many bytes of UTF-8 JSON holding one object. A length
 * above {@link ClusterProtocol#MAX_FRAME} is refused before anything of it is buffered, and so is a frame that is not
 * a JSON object: the peer is then cut off with the reason, since the stream can no longer be trusted.
 */
final class FrameCodec implements ProtocolCodecFactory {
    static final ObjectMapper JSON = new ObjectMapper();

    private final ProtocolEncoder encoder = new ProtocolEncoderAdapter() {
        @Override
        public void encode(IoSession session, Object message, ProtocolEncoderOutput out) throws Exception {
            byte[] json = JSON.writeValueAsBytes(message);
            if (json.length > ClusterProtocol.MAX_FRAME) {
                throw new ProtocolDecoderException("a frame of " + json.length + " bytes exceeds the limit of "
                        + ClusterProtocol.MAX_FRAME + " bytes (16 MiB)");
            }
            IoBuffer buf = IoBuffer.allocate(4 + json.length);
            buf.putInt(json.length).put(json).flip();
            out.write(buf);
        }
    };

    private final ProtocolDecoder decoder = new CumulativeProtocolDecoder() {
        @Override
        protected boolean doDecode(IoSession session, IoBuffer in, ProtocolDecoderOutput out) throws Exception {
            if (in.remaining() < 4) {
                return false;
            }
            int length = in.getInt(in.position());
            if (length < 2 || length > ClusterProtocol.MAX_FRAME) {
                throw new FrameException("a frame of " + Integer.toUnsignedString(length) + " bytes"
                        + (length < 2 ? " is too short to hold a JSON object" : " exceeds the limit of " + ClusterProtocol.MAX_FRAME + " bytes (16 MiB)"));
            }
            if (in.remaining() < 4 + length) {
                return false;
            }
            in.skip(4);
            byte[] json = new byte[length];
            in.get(json);
            out.write(parse(json));
            return true;
        }
    };

    static ObjectNode parse(byte[] json) throws FrameException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new FrameException("a frame is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new FrameException("a frame cannot be read: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new FrameException("a frame is not a JSON object");
        }
        return object;
    }

    @Override
    public ProtocolEncoder getEncoder(IoSession session) {
        return encoder;
    }

    @Override
    public ProtocolDecoder getDecoder(IoSession session) {
        return decoder;
    }

    /** The peer broke framing: the link is closed with this reason. */
    static final class FrameException extends ProtocolDecoderException {
        private static final long serialVersionUID = 1L;

        private final String reason;

        FrameException(String message) {
            super(message);
            this.reason = message;
        }

        /** @return the message without the hex dump Mina appends */
        String reason() {
            return reason;
        }
    }
}
