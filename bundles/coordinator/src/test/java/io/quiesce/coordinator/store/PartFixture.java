package io.quiesce.coordinator.store;

import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Two real stores and a committed checkpoint of job 9 epoch 3 whose part h2 lies in the first: a page file of three
 * chunks (the last one short) and a small file in a subfolder, listed with their SHA-256 in the manifest.
 */
public final class PartFixture {
    public final CheckpointStore from;
    public final CheckpointStore to;
    /** the epoch folder holding part h2 in {@link #from} */
    public final Path epochFolder;
    public final Manifest manifest;
    public final byte[] pages;

    public PartFixture(Path root) throws Exception {
        from = new CheckpointStore(root.resolve("from"), new ImageSeal(root.resolve("from.key")));
        to = new CheckpointStore(root.resolve("to"), new ImageSeal(root.resolve("to.key")));
        Path part = from.stageRemotePart("9", 3, "h2");
        pages = new byte[PartCopy.CHUNK * 2 + 12345];
        new Random(7).nextBytes(pages);
        Files.write(part.resolve("pages-5.img"), pages);
        Files.createDirectory(part.resolve("fabric"));
        Files.writeString(part.resolve("fabric/tcp.json"), "{\"sockets\":[]}");
        List<FileDigest> files = from.seal().digest(part).stream().map(d -> new FileDigest("h2/" + d.name(), d.size(), d.sha256())).toList();
        manifest = new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "9", "ring", List.of("./ring"), 3, "2026-12-04T08:00:00Z",
                "userspace", List.of(), List.of(new HostRecord("h1", List.of(), List.of(), "h1"),
                        new HostRecord("h2", List.of(), files.stream().map(FileDigest::name).toList(), "h2")), pages.length, List.of())
                .withFiles(files);
        epochFolder = from.commitRemotePart("9", 3, "h2", ManifestCodec.encode(manifest), "h1").getParent();
    }
}
