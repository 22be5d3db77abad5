package io.quiesce.coordinator.store;

import io.quiesce.api.image.SecureFiles;
import io.quiesce.api.CheckpointInfo;
import io.quiesce.api.ImageException;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The checkpoint store: {@code <root>/<job>/<epoch>/} folders (0700) holding {@code manifest.json} and the
 * backends' files (0600), a {@code latest} link updated only after commit, and staging folders
 * ({@code .staging-<epoch>}) that are never visible as checkpoints. A checkpoint is committed by writing its
 * manifest last, fsyncing and renaming the staging folder into place.
 *
 * <p>On an agent of a cluster, a host's part of a coordinator's epoch is staged as {@code <job>/.part-<epoch>/<host>}
 * and moved to {@code <job>/<epoch>/<host>} when the coordinator says the epoch is committed (its manifest, on the
 * coordinator, lists every part); until then it is neither a checkpoint nor deleted at start: it waits for the
 * decision (two-phase commit).
 */
public final class CheckpointStore {
    private static final String STAGING = ".staging-";
    /** An agent's part of a coordinator's epoch, written and voted, waiting for the coordinator's decision. */
    private static final String PART = ".part-";
    /** In an agent's epoch folder: names the coordinator whose checkpoint it holds a part of. */
    public static final String COORDINATOR = "coordinator";
    private final Path root;
    private final ImageSeal seal;

    /** @param root the store's folder; created 0700 on first use; its key file is {@code <root>/.image.key} */
    public CheckpointStore(Path root) {
        this(root, new ImageSeal(root.toAbsolutePath().normalize().resolve(".image.key")));
    }

    /**
     * @param root the store's folder; created 0700 on first use
     * @param seal what seals committed checkpoints and checks them at restart
     */
    public CheckpointStore(Path root, ImageSeal seal) {
        this.root = root.toAbsolutePath().normalize();
        this.seal = seal;
    }

    /** @return what seals this store's checkpoints */
    public ImageSeal seal() {
        return seal;
    }

    /** @return the store's folder */
    public Path root() {
        return root;
    }

    /**
     * @param jobId a job
     * @return its folder in the store (may not exist)
     * @throws IllegalArgumentException when the ID is not a plain identifier (it could name a folder elsewhere)
     */
    public Path jobFolder(String jobId) {
        try {
            io.quiesce.api.image.ImageFields.id(jobId, "jobId", root);
        } catch (ImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return root.resolve(jobId);
    }

    /**
     * @param jobId a job
     * @return one more than the highest epoch committed or staged for it
     * @throws IOException when the folder cannot be listed
     */
    public long nextEpoch(String jobId) throws IOException {
        Path folder = jobFolder(jobId);
        if (!Files.isDirectory(folder)) {
            return 1;
        }
        long max = 0;
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                String digits = n.startsWith(STAGING) ? n.substring(STAGING.length()) : n;
                if (!digits.isEmpty() && digits.length() <= 18 && digits.chars().allMatch(Character::isDigit)) {
                    max = Math.max(max, Long.parseLong(digits));
                }
            }
        }
        return max + 1;
    }

    /**
     * Creates an empty staging folder (0700) for a checkpoint, replacing a stale one.
     *
     * @param jobId the job
     * @param epoch the epoch being taken
     * @return the staging folder
     * @throws IOException when it cannot be created
     */
    public Path stage(String jobId, long epoch) throws IOException {
        Path staging = SecureFiles.folder(jobFolder(jobId)).resolve(STAGING + epoch);
        SecureFiles.deleteTree(staging);
        return SecureFiles.folder(staging);
    }

    /**
     * Creates one host's empty part folder (0700) in a checkpoint's staging folder, creating that if needed and
     * replacing a stale part of the same name.
     *
     * @param jobId the job
     * @param epoch the epoch being taken
     * @param part  the host's part folder name, a plain identifier
     * @return the part folder
     * @throws IOException when it cannot be created
     */
    public Path stagePart(String jobId, long epoch, String part) throws IOException {
        checkPart(part);
        Path staging = SecureFiles.folder(SecureFiles.folder(jobFolder(jobId)).resolve(STAGING + epoch));
        Path folder = staging.resolve(part);
        SecureFiles.deleteTree(folder);
        return SecureFiles.folder(folder);
    }

    /**
     * Commits a staging folder: writes a {@code restart.sh}, lists every file with its SHA-256 in the manifest,
     * writes the manifest and its seal last, fsyncs, renames it to its epoch and then points {@code latest} at it.
     *
     * @param staging     the staging folder with the backends' files
     * @param manifest    the checkpoint's manifest
     * @param restartLine the command {@code restart.sh} runs, given the checkpoint folder as {@code "$DIR"}
     * @return the committed folder
     * @throws IOException when any step fails; then nothing is committed and {@code latest} is unchanged
     */
    public Path commit(Path staging, Manifest manifest, String restartLine) throws IOException {
        return commit(staging, manifest, restartLine, java.util.Map.of());
    }

    /**
     * Commits a staging folder, as {@link #commit(Path, Manifest, String)}, with digests a backend computed while
     * writing its files (they are not read again).
     *
     * @param staging     the staging folder with the backends' files
     * @param manifest    the checkpoint's manifest
     * @param restartLine the command {@code restart.sh} runs
     * @param digests     SHA-256 (hex) by file name, from the backends
     * @return the committed folder
     * @throws IOException when any step fails; then nothing is committed and {@code latest} is unchanged
     */
    public Path commit(Path staging, Manifest manifest, String restartLine, java.util.Map<String, String> digests) throws IOException {
        return commit(staging, manifest, restartLine, digests, List.of());
    }

    /**
     * Commits a checkpoint of several hosts: as {@link #commit(Path, Manifest, String, java.util.Map)}, the manifest
     * also listing the files of parts staged on other hosts (their agents' votes), which are not here.
     *
     * @param elsewhere every file of the parts on other hosts, with size and SHA-256
     */
    public Path commit(Path staging, Manifest manifest, String restartLine, java.util.Map<String, String> digests,
            List<io.quiesce.api.image.FileDigest> elsewhere) throws IOException {
        Path jobFolder = staging.getParent();
        Path target = jobFolder.resolve(Long.toString(manifest.epoch()));
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + " exists already: refusing to overwrite a committed checkpoint");
        }
        String script = "#!/bin/sh\n# Restarts job " + manifest.jobId() + " (" + manifest.jobName() + ") from checkpoint epoch "
                + manifest.epoch() + ".\nDIR=$(cd \"$(dirname \"$0\")\" && pwd)\n" + restartLine + "\n";
        Path restart = staging.resolve("restart.sh");
        SecureFiles.write(restart, script.getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(restart, PosixFilePermissions.fromString("rwx------"));
        List<io.quiesce.api.image.FileDigest> files = new ArrayList<>(seal.digest(staging, digests));
        files.addAll(elsewhere);
        files.sort(Comparator.comparing(io.quiesce.api.image.FileDigest::name));
        byte[] bytes = ManifestCodec.encode(manifest.withFiles(files));
        SecureFiles.write(staging.resolve(ImageFormat.MANIFEST), bytes);
        seal.seal(staging, bytes);
        SecureFiles.syncFolder(staging);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        SecureFiles.syncFolder(jobFolder);
        Path tmpLink = jobFolder.resolve(".latest.tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, Path.of(target.getFileName().toString()));
        Files.move(tmpLink, jobFolder.resolve(ImageFormat.LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SecureFiles.syncFolder(jobFolder);
        return target;
    }

    /**
     * Deletes a staging folder after an abort.
     *
     * @param staging the folder
     * @throws IOException when it cannot be deleted
     */
    public void discard(Path staging) throws IOException {
        SecureFiles.deleteTree(staging);
    }

    /**
     * Deletes staging folders left by a platform that died mid-checkpoint, so no partial checkpoint stays.
     *
     * @return the folders removed
     * @throws IOException when the store cannot be listed
     */
    public List<Path> discardStaleStaging() throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        try (Stream<Path> jobs = Files.list(root)) {
            for (Path job : (Iterable<Path>) jobs::iterator) {
                if (!Files.isDirectory(job, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (Stream<Path> entries = Files.list(job)) {
                    for (Path p : (Iterable<Path>) entries::iterator) {
                        if (p.getFileName().toString().startsWith(STAGING)) {
                            SecureFiles.deleteTree(p);
                            removed.add(p);
                        }
                    }
                }
            }
        }
        return removed;
    }

    /**
     * @param jobId a job
     * @return the folder {@code latest} points at, if any
     */
    public Optional<Path> latest(String jobId) {
        Path link = jobFolder(jobId).resolve(ImageFormat.LATEST);
        try {
            if (!Files.isSymbolicLink(link)) {
                return Optional.empty();
            }
            String target = Files.readSymbolicLink(link).toString();
            // the link names an epoch folder beside it; anything else is not followed
            return target.matches("[0-9]{1,19}") ? Optional.of(jobFolder(jobId).resolve(target)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** @return the IDs of jobs with a folder in the store */
    public List<String> jobs() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("[A-Za-z0-9._-]{1,64}") && !n.contains("..") && !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Lists a job's committed checkpoints (folders with a readable manifest), oldest first.
     *
     * @param jobId the job
     * @return its checkpoints
     */
    public List<CheckpointInfo> list(String jobId) {
        Path folder = jobFolder(jobId);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        Optional<Path> latest = latest(jobId);
        List<CheckpointInfo> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.isEmpty() || n.length() > 18 || !n.chars().allMatch(Character::isDigit) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        || Files.exists(p.resolve(COORDINATOR), LinkOption.NOFOLLOW_LINKS)) {
                    continue; // not a folder of a checkpoint, or an agent's part of its coordinator's
                }
                try {
                    Manifest m = ManifestCodec.read(p.resolve(ImageFormat.MANIFEST));
                    if (!m.jobId().equals(jobId) || m.epoch() != Long.parseLong(n)) {
                        continue; // a manifest copied into another job's or epoch's folder is not that checkpoint
                    }
                    out.add(new CheckpointInfo(jobId, m.epoch(), p, Instant.parse(m.created()), m.bytes(), m.backend(),
                            latest.map(p::equals).orElse(false)));
                } catch (ImageException | RuntimeException e) {
                    // an unreadable checkpoint is not listed; inspect names what is wrong with it
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(Comparator.comparingLong(CheckpointInfo::epoch));
        return out;
    }

    /** A part an agent staged for a coordinator's epoch and voted for, waiting for the decision. */
    public record StagedPart(String jobId, long epoch, String part, Path folder) {
    }

    /**
     * Creates an agent's empty part folder (0700) for a coordinator's epoch, replacing a stale one of the same epoch
     * (a coordinator that asks for epoch E again never committed the first: it would not reuse a committed epoch).
     *
     * @param jobId the job
     * @param epoch the coordinator's epoch
     * @param part  the host's part folder name, a plain identifier
     * @return the part folder
     * @throws IOException when it cannot be created
     */
    public Path stageRemotePart(String jobId, long epoch, String part) throws IOException {
        checkPart(part);
        Path parts = SecureFiles.folder(SecureFiles.folder(jobFolder(jobId)).resolve(PART + epoch));
        Path folder = parts.resolve(part);
        SecureFiles.deleteTree(folder);
        return SecureFiles.folder(folder);
    }

    /**
     * Moves a staged part into place once its coordinator committed the epoch: {@code <job>/<epoch>/<part>}.
     * Idempotent: a part already in place is left as it is.
     *
     * @return the part's folder in place
     * @throws IOException when nothing is staged or in place for it, or the move fails
     */
    public Path commitRemotePart(String jobId, long epoch, String part, byte[] manifest, String coordinator) throws IOException {
        checkPart(part);
        Path job = jobFolder(jobId);
        Path staged = job.resolve(PART + epoch).resolve(part);
        Path epochFolder = job.resolve(Long.toString(epoch));
        Path target = epochFolder.resolve(part);
        if (!Files.exists(staged, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return target;
            }
            throw new IOException("no staged part " + staged + " to commit");
        }
        SecureFiles.folder(epochFolder);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + " exists already: refusing to overwrite a committed part");
        }
        // the backend reads the checkpoint's manifest beside the part; the marker keeps it from being listed as a
        // checkpoint of this host (it is the coordinator's, which holds the seal and the other parts)
        if (!Files.exists(epochFolder.resolve(ImageFormat.MANIFEST), LinkOption.NOFOLLOW_LINKS)) {
            SecureFiles.write(epochFolder.resolve(COORDINATOR), (coordinator + "\n").getBytes(StandardCharsets.UTF_8));
            SecureFiles.write(epochFolder.resolve(ImageFormat.MANIFEST), manifest);
        }
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        SecureFiles.syncFolder(epochFolder);
        Files.deleteIfExists(job.resolve(PART + epoch));
        SecureFiles.syncFolder(job);
        return target;
    }

    /** Deletes a staged part after its coordinator aborted the epoch (or never committed it). */
    public void discardRemotePart(String jobId, long epoch, String part) throws IOException {
        checkPart(part);
        Path parts = jobFolder(jobId).resolve(PART + epoch);
        SecureFiles.deleteTree(parts.resolve(part));
        try {
            Files.deleteIfExists(parts);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // another host's part of the same epoch (two agents sharing a store): left to its own decision
        }
    }

    /** @return every part staged for a coordinator's epoch and not yet decided, by job and epoch */
    public List<StagedPart> stagedRemoteParts() {
        List<StagedPart> out = new ArrayList<>();
        for (String job : jobs()) {
            try (Stream<Path> s = Files.list(jobFolder(job))) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    String digits = n.startsWith(PART) ? n.substring(PART.length()) : "";
                    if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)
                            || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    try (Stream<Path> parts = Files.list(p)) {
                        for (Path part : (Iterable<Path>) parts::iterator) {
                            if (Files.isDirectory(part, LinkOption.NOFOLLOW_LINKS)) {
                                out.add(new StagedPart(job, Long.parseLong(digits), part.getFileName().toString(), part));
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // an unreadable job folder holds nothing this agent can decide on
            }
        }
        return out;
    }

    /**
     * @return a part's staging folder, {@code <job>/part-<epoch>/<part>}, checked to be a real folder
     * @throws IOException when nothing is staged for it
     */
    public Path stagedRemotePart(String jobId, long epoch, String part) throws IOException {
        checkPart(part);
        Path p = jobFolder(jobId).resolve(PART + epoch).resolve(part);
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no part " + part + " of job " + jobId + " epoch " + epoch + " is being received here (" + p + ")");
        }
        return p;
    }

    /**
     * @return a committed part's folder on this agent, {@code <job>/<epoch>/<part>}, checked to be a real folder
     * @throws IOException when it is missing or not a folder
     */
    public Path committedRemotePart(String jobId, long epoch, String part) throws IOException {
        checkPart(part);
        Path p = jobFolder(jobId).resolve(Long.toString(epoch)).resolve(part);
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("this host holds no part " + part + " of job " + jobId + " epoch " + epoch + " (" + p + ")");
        }
        return p;
    }

    private void checkPart(String part) throws IOException {
        try {
            io.quiesce.api.image.ImageFields.id(part, "part", root);
        } catch (ImageException e) {
            throw new IOException(e.getMessage());
        }
    }
}
