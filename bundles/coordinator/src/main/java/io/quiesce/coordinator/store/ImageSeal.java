package io.quiesce.coordinator.store;

import io.quiesce.api.ImageException;
import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.api.image.SecureFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What makes a checkpoint folder trustworthy: at commit every file of the folder is listed in the manifest with its
 * SHA-256, and the manifest's bytes are authenticated with HMAC-SHA256 under a key of this platform (a 32-byte
 * file, 0600, made at first use) in {@value ImageFormat#SEAL}. At restart {@link #open} checks all of it before
 * anything is restored: a changed byte anywhere, metadata included, is refused.
 *
 * <p>An image this key did not seal (made by another platform, or of format 1) is refused unless the user trusts it
 * explicitly; even then its files are checked against the manifest's digests, and a folder or file that group or
 * others may write is refused, because anyone could have changed it. Files owned by another user (root restoring
 * what a user wrote) are refused unless trusted.
 */
public final class ImageSeal {
    /** Size of the platform's key. */
    public static final int KEY_BYTES = 32;
    /** Most bytes a manifest may hold (it lists every mapping and descriptor of every process). */
    public static final long MAX_MANIFEST = 64L << 20;
    private static final int CHUNK = 1 << 20;
    private static final Set<PosixFilePermission> OTHERS_WRITE = Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private final Path keyFile;
    private byte[] key;

    /** @param keyFile the platform's key file ({@code $QUIESCE_HOME/image.key}); created at first use */
    public ImageSeal(Path keyFile) {
        this.keyFile = keyFile;
    }

    /** @return the key file */
    public Path keyFile() {
        return keyFile;
    }

    /** An image that passed {@link #open}: its manifest and what the user should be told about it. */
    public record Opened(Manifest manifest, boolean sealed, List<String> warnings) {
    }

    /**
     * Lists every file of a folder being committed with its SHA-256, except the manifest and its seal.
     *
     * @param folder the staging folder
     * @return the files, sorted by name
     * @throws IOException when a file cannot be read or is not a regular file
     */
    public List<FileDigest> digest(Path folder) throws IOException {
        return digest(folder, Map.of());
    }

    /**
     * Lists every file of a folder being committed with its SHA-256, except the manifest and its seal, taking the
     * digests a backend computed while writing (its page files: no second read of a large image) as they are.
     *
     * @param folder the staging folder
     * @param known  SHA-256 (hex) by file name, computed as the files were written
     * @return the files, sorted by name
     * @throws IOException when a file cannot be read or is not a regular file
     */
    public List<FileDigest> digest(Path folder, Map<String, String> known) throws IOException {
        List<FileDigest> out = new ArrayList<>();
        for (Path p : entries(folder)) {
            String name = folder.relativize(p).toString();
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                continue;
            }
            if (!a.isRegularFile()) {
                throw new IOException(p + " is " + SecureFiles.kind(a) + ": a checkpoint holds regular files only");
            }
            String sha = known.get(name);
            if (sha != null && sha.matches("[0-9a-f]{64}")) {
                out.add(new FileDigest(name, a.size(), sha));
                continue;
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                out.add(new FileDigest(name, a.size(), sha256(ch, a.size(), p)));
            } catch (ImageException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Writes the seal of a manifest that was just written.
     *
     * @param folder        the folder
     * @param manifestBytes the manifest's exact bytes
     * @throws IOException when the key or the seal cannot be written
     */
    public void seal(Path folder, byte[] manifestBytes) throws IOException {
        SecureFiles.write(folder.resolve(ImageFormat.SEAL), mac(manifestBytes).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Reads and checks a checkpoint folder before a restart: folder and files private and regular, the seal, every
     * field of the manifest, and every file against its digest.
     *
     * @param folder the checkpoint folder (links already resolved by the caller or not: it is resolved here)
     * @param trust  true when the user accepts an image this platform did not seal
     * @return the manifest, and warnings for the user
     * @throws ImageException naming the file and what is wrong; nothing has been restored
     */
    public Opened open(Path folder, boolean trust) throws ImageException {
        return open(folder, trust, name -> false);
    }

    /**
     * As {@link #open(Path, boolean)} for a checkpoint of several hosts whose parts lie on their agents: the files
     * {@code elsewhere} accepts are not looked for here (each agent checks its part against the same manifest).
     *
     * @param elsewhere true for a file name (relative to the folder) that lies on another host
     */
    public Opened open(Path folder, boolean trust, java.util.function.Predicate<String> elsewhere) throws ImageException {
        Path dir;
        try {
            dir = folder.toRealPath();
        } catch (IOException e) {
            throw new ImageException("no such checkpoint folder (" + e.getMessage() + ")", folder);
        }
        int me = euid();
        List<String> warnings = new ArrayList<>();
        PosixFileAttributes da = attributes(dir);
        if (!da.isDirectory()) {
            throw new ImageException("is " + SecureFiles.kind(da) + ", not a checkpoint folder", dir);
        }
        checkOwnership(dir, da, me, trust, warnings);
        Path manifestFile = dir.resolve(ImageFormat.MANIFEST);
        byte[] bytes = SecureFiles.readBounded(manifestFile, MAX_MANIFEST);
        checkOwnership(manifestFile, attributes(manifestFile), me, trust, warnings);
        Path sealFile = dir.resolve(ImageFormat.SEAL);
        String why = null;
        if (!Files.exists(sealFile, LinkOption.NOFOLLOW_LINKS)) {
            why = "has no seal (" + ImageFormat.SEAL + "): it was not committed by a platform of this version";
        } else {
            String seal = new String(SecureFiles.readBounded(sealFile, 2 * KEY_BYTES + 2), StandardCharsets.US_ASCII).trim();
            String expected;
            try {
                expected = mac(bytes);
            } catch (IOException e) {
                throw new ImageException("cannot use this platform's key " + keyFile + ": " + e.getMessage(), dir);
            }
            if (!MessageDigest.isEqual(seal.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII))) {
                why = "its seal does not verify with this platform's key (" + keyFile + "): the manifest was changed since it"
                        + " was committed, or the image was made by another platform";
            }
        }
        if (why != null && !trust) {
            throw new ImageException(why + "; refused (restart --trust accepts an image made elsewhere)", manifestFile);
        }
        Manifest m = ManifestCodec.parse(bytes, manifestFile);
        if (why != null) {
            warnings.add(dir + ": " + why + "; restored because of --trust");
        }
        if (m.formatVersion() == ImageFormat.VERSION_UNSEALED || m.files().isEmpty()) {
            if (!trust) {
                throw new ImageException("is of format " + m.formatVersion() + " and records no file digests: refused"
                        + " (restart --trust restores it unverified)", manifestFile);
            }
            warnings.add(dir + ": format " + m.formatVersion() + " image without file digests: its files are unverified");
        }
        checkFiles(dir, dir, m.files().stream().filter(d -> !elsewhere.test(d.name())).toList(), !m.files().isEmpty(), elsewhere, me, trust,
                warnings);
        return new Opened(m, why == null, warnings);
    }

    /**
     * On an agent of a cluster, checks its part of a checkpoint its coordinator committed and verified: the part's
     * folder and files private and regular, every file listed in the manifest under the part's folder present with
     * its size and SHA-256, and no other file there.
     *
     * @param epochFolder the agent's folder of the epoch ({@code <job>/<epoch>})
     * @param part        the part's folder name in it
     * @param manifest    the coordinator's manifest (sealed and checked there)
     * @throws ImageException naming the file and what is wrong
     */
    public void checkPart(Path epochFolder, String part, Manifest manifest) throws ImageException {
        Path dir = epochFolder.resolve(part);
        PosixFileAttributes da = attributes(dir);
        if (!da.isDirectory()) {
            throw new ImageException("is " + SecureFiles.kind(da) + ", not a part folder", dir);
        }
        List<String> warnings = new ArrayList<>();
        checkOwnership(dir, da, euid(), false, warnings);
        String prefix = part + "/";
        List<FileDigest> mine = manifest.files().stream().filter(d -> d.name().startsWith(prefix)).toList();
        if (mine.isEmpty()) {
            throw new ImageException("the manifest lists no file of this host's part " + part, dir);
        }
        checkFiles(epochFolder, dir, mine, true, n -> false, euid(), false, warnings);
    }

    /**
     * Checks the files under {@code scope} (names relative to {@code dir}): each private and regular, none missing
     * from {@code listed} when {@code complete}, and each listed one of its size and SHA-256.
     */
    private static void checkFiles(Path dir, Path scope, List<FileDigest> listedFiles, boolean complete,
            java.util.function.Predicate<String> elsewhere, int me, boolean trust, List<String> warnings) throws ImageException {
        Map<String, FileDigest> listed = new HashMap<>();
        listedFiles.forEach(d -> listed.put(d.name(), d));
        List<Path> present;
        try {
            present = entries(scope);
        } catch (IOException e) {
            throw new ImageException("cannot be listed (" + e.getMessage() + ")", scope);
        }
        for (Path p : present) {
            String name = dir.relativize(p).toString();
            if (elsewhere.test(name)) {
                continue;
            }
            PosixFileAttributes a = attributes(p);
            checkOwnership(p, a, me, trust, warnings);
            if (a.isDirectory()) {
                continue;
            }
            if (!a.isRegularFile()) {
                throw new ImageException("is " + SecureFiles.kind(a) + ", not a regular file: refused", p);
            }
            if (complete && !listed.containsKey(name)) {
                throw new ImageException("is not listed in the manifest: the folder was changed after commit", p);
            }
        }
        for (FileDigest d : listedFiles) {
            Path p = dir.resolve(d.name());
            PosixFileAttributes a = SecureFiles.regular(p);
            if (a.size() != d.size()) {
                throw new ImageException("is " + a.size() + " bytes, the manifest says " + d.size() + ": truncated or changed", p);
            }
            try (FileChannel ch = SecureFiles.openRegular(p)) {
                if (!sha256(ch, d.size(), p).equals(d.sha256())) {
                    throw new ImageException("does not match its SHA-256 in the manifest: changed since the checkpoint", p);
                }
            } catch (IOException e) {
                throw new ImageException("cannot be read (" + e.getMessage() + ")", p);
            }
        }
    }

    private static void checkOwnership(Path p, PosixFileAttributes a, int me, boolean trust, List<String> warnings)
            throws ImageException {
        if (!java.util.Collections.disjoint(a.permissions(), OTHERS_WRITE) && !a.isSymbolicLink()) {
            throw new ImageException("may be written by group or others (" + PosixFilePermissions.toString(a.permissions())
                    + "): anyone could have changed the image; refused", p);
        }
        int owner = uid(p);
        if (owner != me) {
            if (!trust) {
                throw new ImageException("is owned by uid " + owner + ", not by this platform's user (uid " + me + "): refused"
                        + " (restart --trust restores an image another user wrote)", p);
            }
            if (warnings.stream().noneMatch(w -> w.contains("owned by uid " + owner))) {
                warnings.add(p + ": owned by uid " + owner + ", restored because of --trust");
            }
        }
    }

    private static PosixFileAttributes attributes(Path p) throws ImageException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new ImageException("cannot be read (" + e.getMessage() + ")", p);
        }
    }

    private static int uid(Path p) throws ImageException {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            throw new ImageException("cannot tell its owner (" + e.getMessage() + ")", p);
        }
    }

    /**
     * @return the effective user ID of this process (the owner of the folder /proc/self leads to; the link itself
     *         belongs to root, so it must be followed)
     */
    static int euid() {
        return io.quiesce.api.home.HomeFiles.uid();
    }

    /** @return every entry under a folder except the manifest and its seal, links not followed, sorted */
    private static List<Path> entries(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(p -> !p.equals(folder))
                    .filter(p -> !p.equals(folder.resolve(ImageFormat.MANIFEST)) && !p.equals(folder.resolve(ImageFormat.SEAL)))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    /** @return the SHA-256 of exactly {@code size} bytes of a channel; a file that is longer or shorter is refused */
    static String sha256(FileChannel ch, long size, Path file) throws IOException, ImageException {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long n = 0;
        for (int got; (got = ch.read(buf)) > 0;) {
            n += got;
            if (n > size) {
                throw new ImageException("grew while being read", file);
            }
            buf.flip();
            md.update(buf);
            buf.clear();
        }
        if (n != size) {
            throw new ImageException("shrank while being read", file);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private String mac(byte[] bytes) throws IOException {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    /** @return the key, made 0600 at first use; an existing key file must be ours, private and of the right size */
    synchronized byte[] key() throws IOException {
        if (key != null) {
            return key;
        }
        if (!Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
            byte[] fresh = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(fresh);
            try (FileChannel ch = FileChannel.open(keyFile, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(SecureFiles.FILE))) {
                ch.write(ByteBuffer.wrap(fresh));
                ch.force(true);
            } catch (FileAlreadyExistsException raced) {
                // another platform of this home made it first: read that one below
            }
        }
        try {
            PosixFileAttributes a = SecureFiles.regular(keyFile);
            if (a.size() != KEY_BYTES || !SecureFiles.FILE.containsAll(a.permissions()) || uid(keyFile) != euid()) {
                throw new IOException(keyFile + " is not a private key of this user (" + a.size() + " bytes, "
                        + PosixFilePermissions.toString(a.permissions()) + ", uid " + uid(keyFile) + "; expected " + KEY_BYTES
                        + " bytes, rw------- or stricter, uid " + euid() + ")");
            }
            key = SecureFiles.readBounded(keyFile, KEY_BYTES);
            return key;
        } catch (ImageException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
