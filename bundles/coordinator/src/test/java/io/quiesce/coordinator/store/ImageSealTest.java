package io.quiesce.coordinator.store;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import io.quiesce.api.ImageException;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.rules.Timeout;

/** Every way an image on disk can lie, refused by the seal before anything is restored; never a hang. */
public class ImageSealTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();
    @Rule
    public Timeout timeout = new Timeout(30, TimeUnit.SECONDS); // a FIFO read would hang: the test fails instead
    private CheckpointStore store;
    private Path folder;

    @Before
    public void setUp() throws IOException {
        store = new CheckpointStore(tmp.getRoot().toPath().resolve("store"), new ImageSeal(tmp.getRoot().toPath().resolve("image.key")));
        Path staging = store.stage("7", 1);
        Files.write(staging.resolve("pages-42.img"), new byte[8192]);
        Files.writeString(staging.resolve("process-42.json"), "{\"magic\":\"x\"}");
        Manifest m = new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "7", "sim", List.of("./sim"), 1, "2026-11-24T10:00:00Z",
                "userspace", List.of(), List.of(new HostRecord("h1", List.of(), List.of("pages-42.img", "process-42.json"))), 8192,
                List.of());
        folder = store.commit(staging, m, "true");
    }

    private ImageException refused(boolean trust) {
        return assertThrows(ImageException.class, () -> store.seal().open(folder, trust));
    }

    private void editManifest(String from, String to) throws IOException {
        Path f = folder.resolve(ImageFormat.MANIFEST);
        String s = Files.readString(f);
        assertTrue(s, s.contains(from));
        Files.writeString(f, s.replace(from, to));
    }

    @Test
    public void aSealedImageOpensAndTheKeyIsPrivate() throws Exception {
        ImageSeal.Opened o = store.seal().open(folder, false);
        assertTrue(o.sealed());
        assertEquals(List.of(), o.warnings());
        assertEquals(3, o.manifest().files().size());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.seal().keyFile())));
        assertEquals(ImageSeal.KEY_BYTES, Files.size(store.seal().keyFile()));
    }

    @Test
    public void aFlippedBitInAnyFileIsRefusedNamingIt() throws Exception {
        Path pages = folder.resolve("pages-42.img");
        byte[] b = Files.readAllBytes(pages);
        b[4000] ^= 1;
        Files.write(pages, b);
        ImageException e = refused(true); // trust does not excuse a file that differs from its digest
        assertTrue(e.getMessage(), e.getMessage().startsWith(pages.toString()) && e.getMessage().contains("SHA-256"));
    }

    @Test
    public void anEditedManifestFailsTheSealAndEditedFieldsAreRefusedEvenWhenTrusted() throws Exception {
        editManifest("\"jobId\" : \"7\"", "\"jobId\" : \"../../x\"");
        assertTrue(refused(false).getMessage().contains("seal does not verify"));
        ImageException e = refused(true);
        assertTrue(e.getMessage(), e.getMessage().contains("field 'jobId' is not a valid identifier"));
    }

    @Test
    public void aForeignJobIdIsAcceptedOnlyWithTrustAndWarned() throws Exception {
        editManifest("\"jobId\" : \"7\"", "\"jobId\" : \"abc\"");
        refused(false);
        ImageSeal.Opened o = store.seal().open(folder, true);
        assertEquals("abc", o.manifest().jobId());
        assertFalse(o.sealed());
        assertTrue(o.warnings().toString(), o.warnings().get(0).contains("--trust"));
    }

    @Test
    public void aFifoOrDeviceInPlaceOfAnyFileIsRefusedAtOnce() throws Exception {
        for (String name : List.of(ImageFormat.MANIFEST, "pages-42.img", ImageFormat.SEAL)) {
            Path f = folder.resolve(name);
            Path saved = tmp.getRoot().toPath().resolve("saved");
            Files.move(f, saved);
            assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor());
            ImageException e = refused(true);
            assertTrue(e.getMessage(), e.getMessage().contains(name) && e.getMessage().contains("not a regular file"));
            Files.delete(f);
            Files.createSymbolicLink(f, Path.of("/dev/zero"));
            e = refused(true);
            assertTrue(e.getMessage(), e.getMessage().contains("symbolic link"));
            Files.delete(f);
            Files.move(saved, f);
        }
        store.seal().open(folder, false);
    }

    @Test
    public void aFolderOthersMayWriteIsRefusedEvenWhenTrusted() throws Exception {
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(refused(true).getMessage().contains("may be written by group or others"));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(folder.resolve("pages-42.img"), PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(refused(true).getMessage().contains("may be written by group or others"));
    }

    @Test
    public void filesOwnedByAnotherUserAreRefusedUnlessTrusted() throws Exception {
        assumeTrue("needs root to give a file away", "root".equals(System.getProperty("user.name")));
        Path pages = folder.resolve("pages-42.img");
        Files.setOwner(pages, pages.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertTrue(refused(false).getMessage().contains("owned by uid"));
        assertTrue(store.seal().open(folder, true).warnings().toString().contains("owned by uid"));
    }

    @Test
    public void addedMissingOrTruncatedFilesAndAMissingSealAreRefused() throws Exception {
        Files.writeString(folder.resolve("extra.img"), "x");
        assertTrue(refused(true).getMessage().contains("not listed in the manifest"));
        Files.delete(folder.resolve("extra.img"));
        Path pages = folder.resolve("pages-42.img");
        Files.write(pages, new byte[100]);
        assertTrue(refused(true).getMessage().contains("truncated or changed"));
        Files.delete(pages);
        assertTrue(refused(true).getMessage().contains("missing"));
        Files.write(pages, new byte[8192]);
        store.seal().open(folder, false);
        Files.delete(folder.resolve(ImageFormat.SEAL));
        assertTrue(refused(false).getMessage().contains("has no seal"));
        assertFalse(store.seal().open(folder, true).sealed());
    }

    @Test
    public void anOlderFormatNeedsTrust() throws Exception {
        Path f = folder.resolve(ImageFormat.MANIFEST);
        String s = Files.readString(f).replace("\"formatVersion\" : 2", "\"formatVersion\" : 1");
        Files.writeString(f, s.substring(0, s.indexOf(",\n  \"files\"")) + "\n}");
        store.seal().seal(folder, Files.readAllBytes(f)); // even sealed by us, format 1 lists no digests
        ImageException e = refused(false);
        assertTrue(e.getMessage(), e.getMessage().contains("records no file digests") && e.getMessage().contains("--trust"));
        assertTrue(store.seal().open(folder, true).warnings().toString().contains("unverified"));
    }

    @Test
    public void aKeyOthersCanReadIsNotUsed() throws Exception {
        Files.setPosixFilePermissions(store.seal().keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        ImageSeal fresh = new ImageSeal(store.seal().keyFile());
        IOException e = assertThrows(IOException.class, fresh::key);
        assertTrue(e.getMessage(), e.getMessage().contains("not a private key"));
    }

    @Test
    public void malformedFieldsAreNamedNeverRawExceptions() throws Exception {
        for (String[] edit : new String[][] { { "\"epoch\" : 1", "\"epoch\" : \"x\"" }, { "\"argv\" : [ \"./sim\" ]", "\"argv\" : [ null ]" },
                { "\"created\" : \"2026-11-24T10:00:00Z\"", "\"created\" : \"yesterday\"" }, { "\"bytes\" : 8192", "\"bytes\" : -1" },
                { "\"name\" : \"pages-42.img\"", "\"name\" : \"/etc/passwd\"" }, { "\"magic\" : \"quiesce-checkpoint\"", "\"magic\" : 5" } }) {
            Path f = folder.resolve(ImageFormat.MANIFEST);
            byte[] good = Files.readAllBytes(f);
            editManifest(edit[0], edit[1]);
            ImageException e = refused(true);
            assertTrue(edit[1] + ": " + e.getMessage(), e.getMessage().startsWith(f.toString()));
            assertFalse(edit[1] + ": " + e.getMessage(), e.getMessage().matches("(?s).*(Exception|\\bat [a-z]+\\.).*"));
            Files.write(f, good);
        }
        store.seal().open(folder, false);
        assertEquals(new String(Files.readAllBytes(folder.resolve(ImageFormat.SEAL)), StandardCharsets.US_ASCII).length(), 64);
    }

    /**
     * A checkpoint of two hosts: the coordinator holds its part and the manifest, the agent its part. Each checks
     * what it holds against the one manifest: the coordinator skips the agent's files only when told they lie
     * elsewhere, and the agent's part is refused when a file differs or one was added.
     */
    @Test
    public void aPartOnAnotherHostIsCheckedThereAgainstTheCoordinatorsManifest() throws Exception {
        Path agentStore = tmp.getRoot().toPath().resolve("agent-store");
        CheckpointStore agent = new CheckpointStore(agentStore, new ImageSeal(tmp.getRoot().toPath().resolve("agent.key")));
        Path part = agent.stageRemotePart("8", 1, "h2");
        Files.write(part.resolve("pages-9.img"), new byte[4096]);
        List<io.quiesce.api.image.FileDigest> theirs = agent.seal().digest(part).stream()
                .map(d -> new io.quiesce.api.image.FileDigest("h2/" + d.name(), d.size(), d.sha256())).toList();

        Path staging = store.stage("8", 1);
        Path mine = store.stagePart("8", 1, "h1");
        Files.write(mine.resolve("pages-42.img"), new byte[8192]);
        Manifest m = new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "8", "sim", List.of("./sim"), 1, "2026-11-24T10:00:00Z",
                "userspace", List.of(), List.of(new HostRecord("h1", List.of(), List.of("h1/pages-42.img"), "h1"),
                        new HostRecord("h2", List.of(), List.of("h2/pages-9.img"), "h2")), 12288, List.of());
        Path committed = store.commit(staging, m, "true", java.util.Map.of(), theirs);
        assertThrows("the agent's file is not here", ImageException.class, () -> store.seal().open(committed, false));
        Manifest opened = store.seal().open(committed, false, n -> n.startsWith("h2/")).manifest();
        assertTrue(opened.files().stream().anyMatch(d -> d.name().equals("h2/pages-9.img")));

        Path placed = agent.commitRemotePart("8", 1, "h2", ManifestCodec.encode(opened), "h1");
        agent.seal().checkPart(placed.getParent(), "h2", opened);
        Path added = placed.resolve("extra.img");
        Files.write(added, new byte[1]);
        ImageException extra = assertThrows(ImageException.class, () -> agent.seal().checkPart(placed.getParent(), "h2", opened));
        assertTrue(extra.getMessage(), extra.getMessage().startsWith(added.toString()) && extra.getMessage().contains("not listed"));
        Files.delete(added);
        byte[] b = Files.readAllBytes(placed.resolve("pages-9.img"));
        b[100] ^= 1;
        Files.write(placed.resolve("pages-9.img"), b);
        ImageException flipped = assertThrows(ImageException.class, () -> agent.seal().checkPart(placed.getParent(), "h2", opened));
        assertTrue(flipped.getMessage(), flipped.getMessage().contains("SHA-256"));
        assertThrows("a part the manifest does not list", ImageException.class, () -> agent.seal().checkPart(placed.getParent(), "h3", opened));
    }
}
