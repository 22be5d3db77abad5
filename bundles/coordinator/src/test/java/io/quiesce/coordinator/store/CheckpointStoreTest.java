package io.quiesce.coordinator.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.ImageException;
import io.quiesce.api.image.FdEntry;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.api.image.MemoryRegion;
import io.quiesce.api.image.ProcessRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class CheckpointStoreTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    private CheckpointStore store;

    @Before
    public void setUp() throws IOException {
        store = new CheckpointStore(tmp.getRoot().toPath().resolve("store"));
    }

    private static Manifest manifest(long epoch) {
        ProcessRecord p = new ProcessRecord(42, 1, "sim", List.of("./sim"), 1,
                List.of(new MemoryRegion(0x1000, 0x3000, "rw-p", "[heap]", 8192, "pages-42.img",
                        List.of(new io.quiesce.api.image.PageRun(0x1000, 8192, 0, 0xabcdef)))),
                List.of(new FdEntry.RegularFile(3, "/tmp/out", 128, 02001, false, null), new FdEntry.Pipe(4, 77, true, 1, "pipe-77.img")));
        return new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "7", "sim", List.of("./sim", "-n", "4"), epoch,
                "2026-11-24T10:00:00Z", "userspace", List.of("tcp"), List.of(new HostRecord("h1", List.of(p), List.of("pages-42.img"))),
                8192, List.of("PIDs change"));
    }

    private Path committed(long epoch) throws IOException {
        Path staging = store.stage("7", epoch);
        Files.writeString(staging.resolve("pages-42.img"), "data");
        return store.commit(staging, manifest(epoch), "exec quiesce restart \"$DIR\"");
    }

    @Test
    public void commitIsPrivateAtomicAndMovesLatest() throws IOException, ImageException {
        assertEquals(1, store.nextEpoch("7"));
        Path staging = store.stage("7", 1);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(staging)));
        assertFalse("no manifest before commit", Files.exists(staging.resolve(ImageFormat.MANIFEST)));
        Path first = committed(1);
        assertEquals(store.jobFolder("7").resolve("1"), first);
        assertFalse("staging is gone", Files.exists(staging));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.resolve(ImageFormat.MANIFEST))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.resolve("restart.sh"))));
        assertTrue(Files.readString(first.resolve("restart.sh")).contains("quiesce restart \"$DIR\""));
        assertEquals(first, store.latest("7").orElseThrow());
        Path second = committed(2);
        assertEquals(second, store.latest("7").orElseThrow());
        assertEquals(3, store.nextEpoch("7"));
        assertEquals(List.of(1L, 2L), store.list("7").stream().map(c -> c.epoch()).toList());
        assertTrue(store.list("7").get(1).latest());
        Manifest read = ManifestCodec.read(second.resolve(ImageFormat.MANIFEST));
        assertEquals(manifest(2).withFiles(read.files()), read);
        assertEquals("every file is listed with its digest", List.of("pages-42.img", "restart.sh"),
                read.files().stream().map(io.quiesce.api.image.FileDigest::name).toList());
    }

    @Test
    public void neverOverwritesACommittedCheckpoint() throws IOException {
        Path first = committed(1);
        Path staging = store.stage("7", 1);
        assertThrows(IOException.class, () -> store.commit(staging, manifest(1), "true"));
        assertEquals(first, store.latest("7").orElseThrow());
    }

    @Test
    public void staleStagingIsDiscardedAndNeverListed() throws IOException {
        committed(1);
        Path stale = store.stage("7", 2);
        Files.writeString(stale.resolve("half.img"), "x");
        assertEquals("a staging folder reserves its epoch", 3, store.nextEpoch("7"));
        assertEquals(1, store.list("7").size());
        assertEquals(List.of(stale), store.discardStaleStaging());
        assertFalse(Files.exists(stale));
        assertEquals(1, store.list("7").size());
    }

    @Test
    public void corruptTruncatedAndForeignManifestsAreClearErrors() throws IOException {
        Path folder = committed(1);
        Path file = folder.resolve(ImageFormat.MANIFEST);
        byte[] good = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(good, good.length / 2));
        ImageException truncated = assertThrows(ImageException.class, () -> ManifestCodec.read(file));
        assertTrue(truncated.getMessage(), truncated.getMessage().startsWith(file.toString()) && truncated.getMessage().contains("truncated"));
        Files.writeString(file, new String(good, StandardCharsets.UTF_8).replace("\"formatVersion\" : 2", "\"formatVersion\" : 9"));
        ImageException version = assertThrows(ImageException.class, () -> ManifestCodec.read(file));
        assertTrue(version.getMessage(), version.getMessage().contains("version 9"));
        assertTrue("an unreadable checkpoint is not listed", store.list("7").isEmpty());
        Files.delete(file);
        assertTrue(assertThrows(ImageException.class, () -> ManifestCodec.read(file)).getMessage().contains("no manifest"));
    }

    /** An agent's part of a coordinator's epoch: staged apart, never listed or deleted at start, moved by the decision. */
    @Test
    public void anAgentsPartWaitsForTheDecisionThenMovesIntoPlaceOrIsDeleted() throws IOException, ImageException {
        Path part = store.stageRemotePart("7", 4, "h2");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(part)));
        Files.writeString(part.resolve("pages-9.img"), "data");
        assertEquals("a staged part is not deleted as a stale staging folder", List.of(), store.discardStaleStaging());
        assertEquals(1, store.stagedRemoteParts().size());
        assertEquals(4, store.stagedRemoteParts().get(0).epoch());
        assertEquals(List.of(), store.list("7"));

        byte[] manifest = ManifestCodec.encode(manifest(4));
        Path placed = store.commitRemotePart("7", 4, "h2", manifest, "h1");
        assertEquals(store.jobFolder("7").resolve("4").resolve("h2"), placed);
        assertEquals("data", Files.readString(placed.resolve("pages-9.img")));
        assertTrue(Files.exists(placed.getParent().resolve(ImageFormat.MANIFEST)));
        assertEquals("h1\n", Files.readString(placed.getParent().resolve(CheckpointStore.COORDINATOR)));
        assertEquals("the agent lists no checkpoint of its own", List.of(), store.list("7"));
        assertEquals(List.of(), store.stagedRemoteParts());
        assertEquals("deciding twice changes nothing", placed, store.commitRemotePart("7", 4, "h2", manifest, "h1"));
        assertEquals(placed, store.committedRemotePart("7", 4, "h2"));
        assertThrows(IOException.class, () -> store.committedRemotePart("7", 5, "h2"));

        Path aborted = store.stageRemotePart("7", 5, "h2");
        store.discardRemotePart("7", 5, "h2");
        assertFalse(Files.exists(aborted));
        assertFalse(Files.exists(aborted.getParent()));
        assertThrows(IOException.class, () -> store.commitRemotePart("7", 5, "h2", manifest, "h1"));
        assertThrows("a part name is a plain name", IOException.class, () -> store.stageRemotePart("7", 6, "../x"));
    }
}
