package io.quiesce.fuzz;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.image.FileDigest;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.api.image.Manifest;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.ImageIndex;
import io.quiesce.backend.userspace.image.MmImage;
import io.quiesce.backend.userspace.image.PageRun;
import io.quiesce.backend.userspace.image.PipeImage;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.SigactionImage;
import io.quiesce.backend.userspace.image.ThreadImage;
import io.quiesce.backend.userspace.image.VmaImage;
import io.quiesce.backend.userspace.image.WrittenFileImage;
import io.quiesce.coordinator.store.ManifestCodec;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Runs each fuzz target under Jazzer (its libFuzzer driver, in a JVM of its own) for {@code -Dfuzz.runs} inputs,
 * starting from valid seeds, and fails on any finding: an exception other than the reader's checked error, an
 * error that quotes an exception, a hang (libFuzzer's -timeout) or running out of memory (-rss_limit_mb).
 */
public class FuzzTargetsTest {
    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");
    private static final long RUNS = Long.getLong("fuzz.runs", 3000);
    /** A time limit per target in seconds (0: none): the run then stops early and reports how many inputs it ran. */
    private static final long SECONDS = Long.getLong("fuzz.seconds", 0);

    @Test
    public void manifest() throws Exception {
        fuzz("manifest", ManifestFuzzer.class.getName(), List.of(ManifestCodec.encode(sampleManifest())));
    }

    @Test
    public void processImage() throws Exception {
        byte[] process = ImageFiles.json().writeValueAsBytes(sampleProcess());
        byte[] index = ImageFiles.json().writeValueAsBytes(new ImageIndex(ImageFiles.INDEX_MAGIC, ImageFiles.VERSION,
                List.of("process-42.json"), List.of(new PipeImage(77, 1, 2, 65536, "pipe-77.img", 5, false)), true, List.of(), List.of(), null,
                List.of(new WrittenFileImage("/tmp/db", 4096, 1_700_000_000_000_000_000L, 12, null))));
        fuzz("process", ProcessImageFuzzer.class.getName(), List.of(prefix((byte) 0, process), prefix((byte) 1, index)));
    }

    @Test
    public void tcpImage() throws Exception {
        String seed = "{\"magic\":\"quiesce-fabric-tcp\",\"formatVersion\":1,\"sockets\":[{\"id\":1,\"pid\":42,\"fd\":3,\"cloexec\":false,"
                + "\"kind\":\"tcp\",\"family\":2,\"role\":\"established\",\"state\":1,\"local\":\"127.0.0.1:5000\",\"remote\":\"127.0.0.1:40000\","
                + "\"channel\":\"1:1:0\",\"peer\":2,\"listenerOf\":-1,\"flags\":2,\"backlog\":0,\"finSent\":false,\"options\":[],"
                + "\"incoming\":{\"file\":\"tcp-1-in.img\",\"length\":5,\"crc32c\":1,\"strategy\":\"peek\"}}]}";
        fuzz("tcp", "io.quiesce.fabric.tcp.TcpImageFuzzer", List.of(seed.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void commandLine() throws Exception {
        fuzz("command-line", CommandLineFuzzer.class.getName(), List.of("7\0--relocate\0/a=/b\0--files\0keep\0--trust".getBytes(StandardCharsets.UTF_8),
                "--json\0--external\0close".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void controlRequest() throws Exception {
        fuzz("control-request", ControlRequestFuzzer.class.getName(), List.of(
                "{\"command\":\"launch\",\"args\":[\"--name\",\"sim\",\"--\",\"./sim\"],\"cwd\":\"/tmp\",\"env\":{\"PATH\":\"/bin\"}}"
                        .getBytes(StandardCharsets.UTF_8),
                "{\"command\":\"restart\",\"args\":[\"7\",\"--trust\"],\"cwd\":\"/\"}".getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] prefix(byte b, byte[] rest) {
        byte[] out = new byte[rest.length + 1];
        out[0] = b;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    static Manifest sampleManifest() {
        return new Manifest(ImageFormat.MAGIC, ImageFormat.VERSION, "7", "sim", List.of("./sim", "-n", "4"), 3, "2026-11-24T10:00:00Z",
                "userspace", List.of("tcp"), List.of(new HostRecord("h1", List.of(), List.of("pages-42.img"))), 8192, List.of("PIDs change"),
                List.of(new FileDigest("pages-42.img", 8192, "0".repeat(64)), new FileDigest("restart.sh", 90, "a".repeat(64))));
    }

    static ProcessImage sampleProcess() {
        long[] regs = new long[27];
        regs[16] = 0x401000; // rip
        regs[19] = 0x7ffff000; // rsp
        ThreadImage t = new ThreadImage(42, regs, new byte[832], 0, 0, 0, 0, 0, 0, 0, 42, "sim", null, null, List.of(), 0);
        MmImage mm = new MmImage(0x400000, 0x402000, 0x600000, 0x601000, 0x602000, 0x603000, 0x7ffff000, 0x7ffff100, 0x7ffff200,
                0x7ffff200, 0x7ffff300, new byte[16]);
        List<VmaImage> vmas = List.of(new VmaImage(0x400000, 0x402000, "r-xp", 0, 5, "/bin/sim", List.of(), 0),
                new VmaImage(0x602000, 0x604000, "rw-p", 0, 0, "[heap]", List.of(new PageRun(0x602000, 4096, 0, 7)), 0));
        return new ProcessImage(ImageFiles.PROCESS_MAGIC, ImageFiles.VERSION, 42, 1, "sim", List.of("./sim"), "/bin/sim", "/tmp", 022,
                List.of(t), mm, vmas, "pages-42.img", 4096, List.of(new FdImage(0, FdImage.CHAR_DEVICE, "/dev/null", 0, 0, 1, 6),
                        new FdImage(3, FdImage.REGULAR, "/tmp/db", 128, 2, 2, 12)),
                List.of(new SigactionImage(15, 0x401100, 0x4000000, 0x401200, 0)), 2, List.of(), List.of());
    }

    /** Runs Jazzer on one target and returns the number of inputs it ran. */
    private static void fuzz(String name, String target, List<byte[]> seeds) throws Exception {
        Path out = Path.of(System.getProperty("fuzz.out", "target/fuzz")).resolve(name).toAbsolutePath();
        Path seedDir = Files.createDirectories(out.resolve("seeds"));
        Path corpus = Files.createDirectories(out.resolve("corpus"));
        for (int i = 0; i < seeds.size(); i++) {
            Files.write(seedDir.resolve("seed-" + i), seeds.get(i));
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-cp", cp + File.pathSeparator + System.getProperty("java.class.path"), "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + target, "--instrumentation_includes=io.quiesce.**", "--reproducer_path=" + out,
                "-runs=" + RUNS, "-max_total_time=" + SECONDS, "-max_len=16384", "-timeout=60", "-rss_limit_mb=3072", "-print_final_stats=1",
                "-artifact_prefix=" + out + "/", corpus.toString(), seedDir.toString()));
        Path log = out.resolve("jazzer.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(SECONDS > 0 ? SECONDS + 300 : Math.max(600, RUNS / 100), TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String text = Files.readString(log);
        assertTrue(name + ": Jazzer did not finish; see " + log, finished);
        List<String> findings = text.lines().filter(l -> l.contains("== Java Exception") || l.contains("ERROR: libFuzzer")
                || l.startsWith("artifact_prefix") || l.contains("Test unit written to")).toList();
        Matcher done = DONE.matcher(text);
        long runs = done.find() ? Long.parseLong(done.group(1)) : -1;
        System.out.println("[fuzz] " + name + ": " + runs + " inputs in " + (done.find(0) ? done.group(2) : "?") + " s, " + findings.size()
                + " findings" + (findings.isEmpty() ? "" : ": " + findings));
        assertEquals(name + ": findings (see " + log + "):\n" + String.join("\n", findings), List.of(), findings);
        assertEquals(name + ": Jazzer's exit status (see " + log + ")", 0, p.exitValue());
        assertTrue(name + ": ran " + runs + " of " + RUNS + " inputs (see " + log + ")", runs >= RUNS);
    }
}
