package io.quiesce.coordinator.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.FdEntry;
import io.quiesce.api.image.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
     * Reads and checks a manifest.
     *
     * @param file the manifest file
     * @return the checked manifest
     * @throws ImageException when it is missing, not JSON, truncated, or of another format
     */
    public static Manifest read(Path file) throws ImageException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageException("no manifest: not a committed checkpoint", file);
        } catch (IOException e) {
            throw new ImageException("cannot read: " + e.getMessage(), file);
        }
        try {
            return JSON.readValue(bytes, Manifest.class).check(file);
        } catch (JsonProcessingException e) {
            throw new ImageException("corrupt or truncated manifest (" + e.getOriginalMessage() + ")", file);
        } catch (IOException e) {
            throw new ImageException("cannot read: " + e.getMessage(), file);
        }
    }
}
