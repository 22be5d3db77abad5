package io.quiesce.coordinator.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.FdEntry;
import io.quiesce.api.image.Manifest;
import io.quiesce.api.image.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes manifests as JSON. The API model carries no Jackson annotations; the fd-entry hierarchy gets
 * its {@code "kind"} discriminator from a mix-in here.
 */
public final class ManifestCodec {
    /** Shared, thread-safe once configured. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addMixIn(FdEntry.class, FdEntryMixin.class);

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({ @JsonSubTypes.Type(value = FdEntry.RegularFile.class, name = "regular-file"),
            @JsonSubTypes.Type(value = FdEntry.Pipe.class, name = "pipe"),
            @JsonSubTypes.Type(value = FdEntry.Fifo.class, name = "fifo"),
            @JsonSubTypes.Type(value = FdEntry.CharDevice.class, name = "char-device"),
            @JsonSubTypes.Type(value = FdEntry.TcpSocket.class, name = "tcp-socket"),
            @JsonSubTypes.Type(value = FdEntry.UnixSocket.class, name = "unix-socket"),
            @JsonSubTypes.Type(value = FdEntry.Other.class, name = "other") })
    private interface FdEntryMixin {
    }

    private ManifestCodec() {
    }

    /**
     * @param manifest the manifest
     * @return its JSON bytes
     */
    public static byte[] encode(Manifest manifest) {
        try {
            return JSON.writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode manifest: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads and checks a manifest: a regular file (no link, FIFO or device) of at most
     * {@link ImageSeal#MAX_MANIFEST} bytes, every field validated.
     *
     * @param file the manifest file
     * @return the checked manifest
     * @throws ImageException when it is missing, not JSON, truncated, of another format or has an invalid field
     */
    public static Manifest read(Path file) throws ImageException {
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageException("no manifest: not a committed checkpoint", file);
        }
        return parse(SecureFiles.readBounded(file, ImageSeal.MAX_MANIFEST), file);
    }

    /**
     * Parses and checks a manifest's bytes.
     *
     * @param bytes the manifest's bytes
     * @param file  where they were read, named in errors
     * @return the checked manifest
     * @throws ImageException when they are not JSON, truncated, of another format or have an invalid field
     */
    public static Manifest parse(byte[] bytes, Path file) throws ImageException {
        Manifest m;
        try {
            m = JSON.readValue(bytes, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new ImageException("corrupt or truncated manifest (" + describe(e) + ")", file);
        } catch (IOException | RuntimeException e) {
            throw new ImageException("corrupt manifest (" + io.quiesce.api.image.ImageFields.parserFailure(e) + ")", file);
        }
        if (m == null) {
            throw new ImageException("corrupt manifest (empty)", file);
        }
        return m.check(file);
    }

    /**
     * @param e a Jackson failure
     * @return what is wrong and where, without the exception's own text (which can quote internals)
     */
    public static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
        if (e instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
            StringBuilder field = new StringBuilder();
            for (JsonMappingException.Reference r : jm.getPath()) {
                field.append(r.getFieldName() != null ? (field.length() == 0 ? "" : ".") + r.getFieldName() : "[" + r.getIndex() + "]");
            }
            String what = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException ? "has the wrong type"
                    : e instanceof com.fasterxml.jackson.databind.exc.InvalidTypeIdException ? "has an unknown type"
                    : "is invalid";
            return "field '" + field + "' " + what + where;
        }
        if (e instanceof com.fasterxml.jackson.core.JsonParseException || e instanceof com.fasterxml.jackson.core.io.JsonEOFException) {
            return "not JSON: " + io.quiesce.api.image.ImageFields.parserMessage(e.getOriginalMessage()) + where;
        }
        return "not a manifest" + where;
    }
}
