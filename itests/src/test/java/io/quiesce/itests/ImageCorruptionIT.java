package io.quiesce.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Test;

/**
 * The corruption suite over a real checkpoint: one small job checkpointed with {@code --kill}, then every file of
 * its image flipped, truncated, deleted, replaced by a FIFO, a device or a link to another file, fields edited
 * (with the digests fixed up as an attacker without the key would, restarted with {@code --trust}), the folder
 * opened to others. Each copy is restarted through bin/quiesce with a timeout: 0 hangs, 0 raw exceptions, 0
 * tampered images restored, and the platform answers after each. Then the attacks from the field: a jobId used as
 * a path, files changed under a job, a stdout moved away, a job that had ended.
 */
public class ImageCorruptionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Path> homes = new ArrayList<>();
    private final List<Long> pids = new ArrayList<>();

    private Path home(String name) throws IOException {
        Path h = Files.createTempDirectory("quiesce-corrupt-" + name + "-");
        homes.add(h);
        return h;
    }

    @After
    public void cleanUp() throws Exception {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Path h : homes) {
            Cli.of(h).run("stop");
        }
    }

    /** One restart with a timeout of its own: a hang is a failure naming the case, not a stuck suite. */
    private static Cli.Run restart(Path home, String what, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PlatformOptions.root().resolve("bin/quiesce").toString(), "restart"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("QUIESCE_HOME", home.toString());
        Path out = Files.createTempFile("corrupt-out", ".txt");
        Path err = Files.createTempFile("corrupt-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean done = p.waitFor(45, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(what + ": restart hung", done);
        Cli.Run r = new Cli.Run(p.exitValue(), Files.readString(out).trim(), Files.readString(err).trim());
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private static Path scenario(String name) throws Exception {
        return Cli.compile(PlatformOptions.root().resolve("bundles/backend-userspace/src/test/c/" + name + ".c"),
                PlatformOptions.root().resolve("itests/target/scenarios"));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        assertEquals(0, new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start().waitFor());
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    /** Rewrites a JSON file of the image and fixes its digest in the manifest (the seal then fails: --trust needed). */
    private static void editJson(Path folder, String name, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path f = folder.resolve(name);
        ObjectNode tree = (ObjectNode) JSON.readTree(f.toFile());
        edit.accept(tree);
        Files.write(f, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree));
        fixDigest(folder, name);
    }

    /** Puts a file's new size and SHA-256 into the manifest, as an attacker without the key could. */
    private static void fixDigest(Path folder, String name) throws Exception {
        Path f = folder.resolve(name);
        if (!name.equals("manifest.json")) {
            Path m = folder.resolve("manifest.json");
            ObjectNode manifest = (ObjectNode) JSON.readTree(m.toFile());
            for (JsonNode d : manifest.get("files")) {
                if (d.get("name").asText().equals(name)) {
                    ((ObjectNode) d).put("size", Files.size(f)).put("sha256", sha256(f));
                }
            }
            Files.write(m, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        }
    }

    private interface Corruption {
        void apply(Path folder) throws Exception;
    }

    private record Case(String name, Corruption corruption, boolean trust) {
    }

    @Test
    public void noCorruptionOfARealCheckpointHangsLeaksAnExceptionOrIsRestored() throws Exception {
        assumeTrue(PlatformOptions.userspaceShouldBeAvailable());
        Path home = home("suite");
        assertEquals(0, Cli.of(home).run("start").exit());
        Path out = home.resolve("rows.db");
        Cli.Run launch = Cli.of(home).run("launch", "--json", "--name", "rows", "--", scenario("rowfile00").toString(), out.toString(), "20");
        assertEquals(launch.err(), 0, launch.exit());
        pids.add(launch.json().get("pids").get(0).asLong());
        assertTrue(PlatformOptions.await(10000, () -> sizeOr0(out) >= 5 * 16));
        JsonNode c = Cli.of(home).ok("checkpoint", "rows", "--kill", "--json");
        Path good = Path.of(c.get("checkpoint").asText());
        List<String> files;
        try (Stream<Path> s = Files.walk(good)) {
            files = s.filter(Files::isRegularFile).map(p -> good.relativize(p).toString()).sorted().toList();
        }
        // this host's part lies in a folder of its own beside the manifest
        String index = files.stream().filter(n -> n.endsWith("/userspace.json")).findFirst().orElseThrow(() -> new AssertionError(files));
        assertTrue(files.toString(), files.contains("manifest.hmac"));
        String process = files.stream().filter(n -> Path.of(n).getFileName().toString().startsWith("process-")).findFirst().orElseThrow();

        List<Case> cases = new ArrayList<>();
        for (String f : files) {
            // --trust accepts an image whose seal does not verify, so a damaged seal alone is refused only without it
            boolean trust = !f.equals("manifest.hmac");
            boolean meta = f.startsWith("manifest.");
            if (meta) {
                cases.add(new Case(f + ": bit flipped", d -> flip(d.resolve(f)), false));
            }
            if (f.equals("manifest.json")) {
                // under --trust nothing vouches for the manifest's own bytes, and a flip in a field only shown (a job
                // name, a date) rightly restores; where the flip lands moves with the run's paths. So the trusted
                // case damages what must be checked even then: a file's digest.
                cases.add(new Case(f + ": a digest bit flipped", d -> flipDigest(d.resolve(f)), trust));
            } else {
                cases.add(new Case(f + ": bit flipped", d -> flip(d.resolve(f)), trust));
            }
            cases.add(new Case(f + ": truncated", d -> truncate(d.resolve(f)), trust));
            cases.add(new Case(f + ": deleted", d -> Files.delete(d.resolve(f)), trust));
            cases.add(new Case(f + ": a FIFO", d -> {
                Files.delete(d.resolve(f));
                assertEquals(0, new ProcessBuilder("mkfifo", d.resolve(f).toString()).start().waitFor());
            }, true));
            cases.add(new Case(f + ": link to /dev/zero", d -> link(d.resolve(f), Path.of("/dev/zero")), true));
            if (meta || f.equals(process)) {
                cases.add(new Case(f + ": link to another file", d -> link(d.resolve(f), d.resolve(f.equals(process) ? index : process)),
                        true));
            }
        }
        cases.add(new Case("folder 0777", d -> Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx")), true));
        cases.add(new Case("a file 0666", d -> Files.setPosixFilePermissions(d.resolve(process), PosixFilePermissions.fromString("rw-rw-rw-")), true));
        cases.add(new Case("an extra file", d -> Files.writeString(d.resolve("extra.img"), "x"), true));
        cases.add(new Case("manifest jobId ../../x", d -> editJson(d, "manifest.json", m -> m.put("jobId", "../../x")), true));
        cases.add(new Case("manifest jobId edited, untrusted", d -> editJson(d, "manifest.json", m -> m.put("jobId", "abc")), false));
        cases.add(new Case("manifest epoch -1", d -> editJson(d, "manifest.json", m -> m.put("epoch", -1)), true));
        cases.add(new Case("manifest backend ../x", d -> editJson(d, "manifest.json", m -> m.put("backend", "../x")), true));
        cases.add(new Case("manifest files dropped", d -> editJson(d, "manifest.json", m -> m.remove("files")), false));
        cases.add(new Case("manifest formatVersion 1", d -> editJson(d, "manifest.json", m -> m.put("formatVersion", 1)), false));
        cases.add(new Case("manifest null argv element", d -> editJson(d, "manifest.json", m -> m.putArray("argv").addNull()), true));
        cases.add(new Case("perms zzzz", d -> editJson(d, process, p -> ((ObjectNode) p.get("vmas").get(0)).put("perms", "zzzz")), true));
        cases.add(new Case("rip 0", d -> editJson(d, process, p -> ((com.fasterxml.jackson.databind.node.ArrayNode) p.get("threads").get(0)
                .get("regs")).set(16, JSON.getNodeFactory().numberNode(0))), true));
        cases.add(new Case("regs missing", d -> editJson(d, process, p -> ((ObjectNode) p.get("threads").get(0)).remove("regs")), true));
        cases.add(new Case("fd kind unknown", d -> editJson(d, process, p -> ((ObjectNode) p.get("fds").get(0)).put("kind", "socket-ish")), true));
        cases.add(new Case("pagesFile ../../etc/passwd", d -> editJson(d, process, p -> p.put("pagesFile", "../../../../etc/passwd")), true));
        cases.add(new Case("vmas null", d -> editJson(d, process, p -> p.putNull("vmas")), true));
        cases.add(new Case("vma unaligned", d -> editJson(d, process, p -> ((ObjectNode) p.get("vmas").get(0)).put("start", 1)), true));
        cases.add(new Case("index processes outside", d -> editJson(d, index, p -> p.putArray("processes").add("../" + Path.of(process).getFileName())), true));
        cases.add(new Case("index not JSON", d -> {
            Files.writeString(d.resolve(index), "{\"magic\": [");
            fixDigest(d, index);
        }, true));

        int n = 0;
        List<String> failures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (Case k : cases) {
            Path copy = home.resolve("case-" + n++);
            copyTree(good, copy);
            k.corruption().apply(copy);
            List<String> args = new ArrayList<>(List.of(copy.toString(), "--json"));
            if (k.trust()) {
                args.add("--trust");
            }
            Cli.Run r = restart(home, k.name(), args.toArray(String[]::new));
            String err = r.err();
            if (r.exit() != 1) {
                failures.add(k.name() + ": exit " + r.exit() + " " + r.out() + err);
                r.out().lines().findFirst().ifPresent(l -> {
                    try {
                        JSON.readTree(l).get("pids").forEach(p -> pids.add(p.asLong()));
                    } catch (IOException ignored) {
                        // not JSON: nothing was restarted
                    }
                });
            } else if (err.matches("(?s).*(Exception|Error\\b|\\tat |java\\.|: null\\b|\\(null\\)).*") || err.isBlank()) {
                failures.add(k.name() + ": raw or empty error: " + err);
            }
            System.out.println("[corruption] " + k.name() + (k.trust() ? " (--trust)" : "") + " -> exit " + r.exit() + ": " + err);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
        }
        // each restart above was answered, so no refused one held the job's lock; none left a process behind
        JsonNode job = Cli.of(home).ok("jobs", "rows", "--json").get(0);
        assertEquals("the job after " + cases.size() + " refused restarts", "checkpointed", job.get("state").asText());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[corruption] " + cases.size() + " corruptions in " + ms + " ms, " + failures.size() + " failures");
        assertEquals(String.join("\n", failures), List.of(), failures);
        assertFalse("nothing was made outside the home for ../../x", Files.exists(home.getParent().resolve("x"))
                && Files.exists(home.getParent().resolve("x/job.json")));

        // the pristine copy does restart, and jobs/status still answer
        Path pristine = home.resolve("pristine");
        copyTree(good, pristine);
        Cli.Run ok = restart(home, "pristine", pristine.toString(), "--json");
        assertEquals(ok.err(), 0, ok.exit());
        ok.json().get("pids").forEach(p -> pids.add(p.asLong()));
        assertTrue("the restored job writes on", PlatformOptions.await(10000, () -> sizeOr0(out) >= 10 * 16));
        assertEquals(0, Cli.of(home).run("status").exit());
    }

    @Test
    public void aForeignJobIdNeedsTrustAndNeverBreaksJobsOrStatus() throws Exception {
        assumeTrue(PlatformOptions.userspaceShouldBeAvailable());
        Path home = home("foreign");
        assertEquals(0, Cli.of(home).run("start").exit());
        Path out = home.resolve("rows.db");
        Cli.of(home).ok("launch", "--json", "--name", "rows", "--", scenario("rowfile00").toString(), out.toString(), "20");
        assertTrue(PlatformOptions.await(10000, () -> sizeOr0(out) >= 5 * 16));
        Path good = Path.of(Cli.of(home).ok("checkpoint", "rows", "--kill", "--json").get("checkpoint").asText());
        Path abc = home.resolve("abc");
        copyTree(good, abc);
        editJson(abc, "manifest.json", m -> m.put("jobId", "abc"));
        Cli.Run refused = restart(home, "abc untrusted", abc.toString());
        assertEquals(refused.err(), 1, refused.exit());
        assertTrue(refused.err(), refused.err().contains("seal does not verify") && refused.err().contains("--trust"));
        Cli.Run trusted = restart(home, "abc trusted", abc.toString(), "--trust", "--json");
        assertEquals(trusted.err(), 0, trusted.exit());
        trusted.json().get("pids").forEach(p -> pids.add(p.asLong()));
        assertTrue(trusted.out(), trusted.json().get("warnings").toString().contains("--trust"));
        assertEquals("abc", trusted.json().get("job").asText());
        JsonNode jobs = Cli.of(home).ok("jobs", "--json");
        assertEquals(jobs.toString(), List.of("1", "abc"), List.of(jobs.get(0).get("job").asText(), jobs.get(1).get("job").asText()));
        assertEquals(0, Cli.of(home).run("status").exit());
        assertEquals("stop then start comes back with the same registry", 0, Cli.of(home).run("stop").exit());
        assertEquals(0, Cli.of(home).run("start").exit());
        assertEquals(2, Cli.of(home).ok("jobs", "--json").size());
        assertEquals(0, Cli.of(home).run("status").exit());
    }

    @Test
    public void filesChangedSinceACheckpointAreRefusedKeptOrPutBack() throws Exception {
        assumeTrue(PlatformOptions.userspaceShouldBeAvailable());
        Path home = home("files");
        assertEquals(0, Cli.of(home).run("start").exit());
        Path db = home.resolve("rows.db");
        Path log = home.resolve("stdout.log");
        Cli.Run launch = Cli.of(home).run("launch", "--json", "--name", "rows", "--stdout", log.toString(), "--",
                scenario("rowfile00").toString(), db.toString(), "10");
        assertEquals(launch.err(), 0, launch.exit());
        pids.add(launch.json().get("pids").get(0).asLong());
        assertTrue(PlatformOptions.await(10000, () -> sizeOr0(db) >= 10 * 16));
        Path first = Path.of(Cli.of(home).ok("checkpoint", "rows", "--json").get("checkpoint").asText());
        long atFirst = Files.size(db);
        assertTrue("the job writes on", PlatformOptions.await(10000, () -> sizeOr0(db) >= atFirst + 10 * 16));
        Cli.of(home).ok("checkpoint", "rows", "--kill", "--json");

        // the older epoch would silently roll the file back: refused, naming it
        Cli.Run older = restart(home, "older epoch", first.toString());
        assertEquals(older.err(), 1, older.exit());
        assertTrue(older.err(), older.err().contains(db.toString()) && older.err().contains("changed since the checkpoint")
                && older.err().contains("--files keep"));
        assertEquals("checkpointed", Cli.of(home).ok("jobs", "rows", "--json").get(0).get("state").asText());

        // the latest one matches the file: restarts; with the stdout file moved away, a warning says where output goes
        Files.move(log, home.resolve("stdout.moved"));
        Cli.Run latest = restart(home, "latest", "rows", "--json");
        assertEquals(latest.err(), 0, latest.exit());
        latest.json().get("pids").forEach(p -> pids.add(p.asLong()));
        // never silently the job's log: a warning says where output goes, or (this home lies in a temporary folder,
        // whose files the checkpoint holds) the stdout file is recreated where it was, from the checkpoint
        assertTrue(latest.out(), latest.json().get("warnings").toString().contains(log + " cannot be reopened") || Files.isRegularFile(log));
        long atRestart = Files.size(db);
        assertTrue("the restored job writes on", PlatformOptions.await(10000, () -> sizeOr0(db) >= atRestart + 5 * 16));

        // --save-files: the file is put back as it was, and the job finds exactly its rows
        JsonNode saved = Cli.of(home).ok("checkpoint", "rows", "--kill", "--save-files", "--json");
        long atSave = Files.size(db);
        Files.writeString(db, "scribbled over", java.nio.file.StandardOpenOption.APPEND);
        Cli.Run back = restart(home, "saved files", Path.of(saved.get("checkpoint").asText()).toString(), "--json");
        assertEquals(back.err(), 0, back.exit());
        back.json().get("pids").forEach(p -> pids.add(p.asLong()));
        assertTrue(back.out(), back.json().get("warnings").toString().contains("put back"));
        assertTrue("the job goes on from its saved rows", PlatformOptions.await(10000, () -> sizeOr0(db) >= atSave + 5 * 16));
        assertFalse("no MISMATCH: the file is what the job wrote", Files.readString(home.resolve("jobs/1/output.log")).contains("MISMATCH"));

        // --files keep runs the older epoch against today's file, with a warning naming it
        Cli.of(home).ok("checkpoint", "rows", "--kill", "--json");
        Cli.Run keep = restart(home, "keep", first.toString(), "--files", "keep", "--json");
        assertEquals(keep.err(), 0, keep.exit());
        keep.json().get("pids").forEach(p -> pids.add(p.asLong()));
        assertTrue(keep.out(), keep.json().get("warnings").toString().contains(db + " (") && keep.out().contains("--files keep"));
    }

    @Test
    public void restartingAJobThatHadEndedWarns() throws Exception {
        assumeTrue(PlatformOptions.userspaceShouldBeAvailable());
        Path home = home("ended");
        assertEquals(0, Cli.of(home).run("start").exit());
        Path db = home.resolve("rows.db");
        Cli.of(home).ok("launch", "--json", "--name", "rows", "--", scenario("rowfile00").toString(), db.toString(), "50", "200");
        assertTrue(PlatformOptions.await(10000, () -> sizeOr0(db) >= 5 * 16));
        Cli.of(home).ok("checkpoint", "rows", "--save-files", "--json");
        assertTrue("the job ends by itself", PlatformOptions.await(60000, () -> {
            try {
                return "exited".equals(Cli.of(home).ok("jobs", "rows", "--json").get(0).get("state").asText());
            } catch (Exception e) {
                return false;
            }
        }));
        Cli.Run r = restart(home, "ended", "rows", "--json");
        assertEquals(r.err(), 0, r.exit());
        r.json().get("pids").forEach(p -> pids.add(p.asLong()));
        assertTrue(r.out(), r.json().get("warnings").toString().contains("had ended by itself (exit status 0)"));
    }

    private static long sizeOr0(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void flip(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 0x10;
        Files.write(f, b);
    }

    /** Flips the low bit of the first hex digit of the first SHA-256 a manifest lists. */
    private static void flipDigest(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        String text = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"sha256\"");
        assertTrue("a manifest without digests: " + text, at >= 0);
        int value = text.indexOf('"', text.indexOf(':', at)) + 1; // the value's first character, whatever the spacing
        assertTrue(text.substring(value, value + 64), text.substring(value, value + 64).matches("[0-9a-f]{64}"));
        b[value] ^= 0x01;
        Files.write(f, b);
    }

    private static void truncate(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
    }

    private static void link(Path f, Path to) throws IOException {
        Files.delete(f);
        Files.createSymbolicLink(f, to);
    }

}
