package io.quiesce.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.quiesce.api.home.HomeFiles;
import io.quiesce.api.image.SecureFiles;
import io.quiesce.shell.ControlToken;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * bin/quiesce: sends one command to the platform of {@code $QUIESCE_HOME} and prints its result. {@code start}
 * and {@code stop} manage the platform itself. Exit status: the command's (0 success, 1 failed, 2 usage),
 * 3 when the platform is not running or cannot be started, 77 when the platform refused the token.
 */
public final class Main {
    static final int NOT_RUNNING = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_MILLIS = 2000;
    private static final int HANDSHAKE_MILLIS = 10_000;
    private static final int SMALL_LINE = 512;
    private static final int REPLY_LINE = 64 << 20;

    private final Path home;
    private final PrintStream out;
    private final PrintStream err;

    Main(Path home, PrintStream out, PrintStream err) {
        this.home = home;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        String h = System.getenv("QUIESCE_HOME");
        Path home = Path.of(h == null || h.isBlank() ? System.getProperty("user.home") + "/.quiesce" : h).toAbsolutePath().normalize();
        System.exit(new Main(home, System.out, System.err).run(List.of(args)));
    }

    int run(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            out.println("usage: quiesce start [--host NAME] [--listen [ADDRESS:]PORT] [--join HOST:PORT] | stop | console | cluster init|show"
                    + " | COMMAND [ARGS]   (QUIESCE_HOME=" + home + ")");
            return args.isEmpty() ? 2 : forwardOrHelp();
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (command) {
                case "start" -> start(rest, false);
                case "console" -> start(rest, true);
                case "stop" -> stop();
                case "cluster" -> cluster(rest);
                default -> print(request(command, rest));
            };
        } catch (NotRunning e) {
            err.println("quiesce: the platform is not running for QUIESCE_HOME=" + home + " (" + e.getMessage()
                    + "); start it with: quiesce start");
            return NOT_RUNNING;
        } catch (IOException e) {
            err.println("quiesce: " + e.getMessage());
            return NOT_RUNNING;
        }
    }

    private int forwardOrHelp() {
        try {
            return print(request("help", List.of()));
        } catch (IOException e) {
            out.println("(start the platform to list its commands)");
            return 0;
        }
    }

    /** The platform is not reachable at the address in the home's control file. */
    static class NotRunning extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunning(String why) {
            super(why);
        }
    }

    /** What listens at the address in the control file cannot prove it holds the home's token. */
    static final class NotThePlatform extends NotRunning {
        private static final long serialVersionUID = 1L;

        NotThePlatform(String address, String why) {
            super("the process listening on " + address + " is not the platform of this home: " + why
                    + "; nothing was sent to it");
        }
    }

    JsonNode request(String command, List<String> args) throws IOException {
        Path control = home.resolve("control");
        if (!Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS) || !Files.exists(control, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotRunning("no " + control);
        }
        HomeFiles.root(home);
        String address = new String(HomeFiles.read(control, 64, false), StandardCharsets.US_ASCII).trim();
        if (!address.matches("127\\.0\\.0\\.1:\\d{1,5}")) {
            throw new NotRunning(control + " holds no loopback address: '" + address + "'");
        }
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        ControlToken token;
        try {
            token = ControlToken.load(home.resolve("token"));
        } catch (IOException e) {
            throw new IOException("cannot use the platform's token: " + e.getMessage());
        }
        try (Socket s = new Socket()) {
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_MILLIS);
            } catch (IOException e) {
                throw new NotRunning("nothing answers at " + address);
            }
            s.setSoTimeout(HANDSHAKE_MILLIS);
            InputStream in = s.getInputStream();
            OutputStream o = s.getOutputStream();
            JsonNode hello;
            JsonNode proof;
            String clientNonce = ControlToken.nonce();
            try {
                hello = JSON.readTree(line(in, SMALL_LINE, address));
                String serverNonce = hello.path("nonce").asText("");
                if (hello.path("quiesce").asInt(0) != 2 || !serverNonce.matches("[0-9a-f]{16,64}")) {
                    throw new NotThePlatform(address, "it does not greet like one");
                }
                send(o, Map.of("nonce", clientNonce));
                proof = JSON.readTree(line(in, SMALL_LINE, address));
                if (!ControlToken.matches(token.serverProof(port, serverNonce, clientNonce), proof.path("proof").asText(null))) {
                    throw new NotThePlatform(address, "it could not prove it holds the token of " + home);
                }
                ObjectNode req = JSON.createObjectNode();
                req.put("command", command);
                var a = req.putArray("args");
                args.forEach(a::add);
                req.put("cwd", System.getProperty("user.dir"));
                if (command.equals("launch")) { // only a launched job needs the caller's environment
                    ObjectNode env = req.putObject("env");
                    System.getenv().forEach(env::put);
                }
                o.write((JSON.writeValueAsString(Map.of("auth", token.clientProof(port, serverNonce, clientNonce))) + "\n"
                        + JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
                o.flush();
            } catch (SocketTimeoutException e) {
                throw new NotThePlatform(address, "it did not complete the handshake within " + HANDSHAKE_MILLIS / 1000 + " s");
            } catch (JsonProcessingException | EOFException e) {
                throw new NotThePlatform(address, "it broke the protocol (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            int timeout = replySeconds(command);
            s.setSoTimeout(timeout * 1000);
            try {
                return JSON.readTree(line(in, REPLY_LINE, address));
            } catch (SocketTimeoutException e) {
                throw new IOException("the platform at " + address + " did not answer '" + command + "' within " + timeout
                        + " s (set QUIESCE_TIMEOUT=SECONDS to wait longer for launch, checkpoint, restart and inspect)");
            } catch (EOFException e) {
                throw new IOException("the platform closed the connection without answering (did it stop?)");
            }
        }
    }

    /** Commands that may legitimately take long wait QUIESCE_TIMEOUT seconds (default 600); the others 60. */
    private static int replySeconds(String command) {
        if (!List.of("launch", "checkpoint", "restart", "inspect").contains(command)) {
            return 60;
        }
        String t = System.getenv("QUIESCE_TIMEOUT");
        try {
            return t == null || t.isBlank() ? 600 : Math.max(1, Integer.parseInt(t.trim()));
        } catch (NumberFormatException e) {
            return 600;
        }
    }

    private static void send(OutputStream o, Map<String, Object> message) throws IOException {
        o.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    /** One line, at most {@code max} bytes, so that a server cannot make the client hold unbounded data. */
    private static String line(InputStream in, int max, String address) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n';) {
            if (c < 0) {
                throw new EOFException("the connection closed");
            }
            if (b.size() >= max) {
                throw new NotThePlatform(address, "it sent a line longer than " + max + " bytes");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private int print(JsonNode reply) {
        String o = reply.path("out").asText("");
        String e = reply.path("err").asText("");
        if (!o.isEmpty()) {
            out.println(o);
        }
        if (!e.isEmpty()) {
            err.println(e);
        }
        return reply.path("exit").asInt(1);
    }

    private boolean running() {
        try {
            return request("status", List.of()).path("exit").asInt(1) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code cluster init} makes this home's cluster key (once per cluster; then copy the folder to every host);
     * {@code cluster show} prints where it is and its fingerprint, which must be the same on every host.
     */
    private int cluster(List<String> args) throws IOException {
        if (args.size() != 1 || !List.of("init", "show").contains(args.get(0))) {
            err.println("usage: quiesce cluster init | show");
            return 2;
        }
        Path h = HomeFiles.root(home);
        try {
            io.quiesce.cluster.ClusterKey key = args.get(0).equals("init") ? io.quiesce.cluster.ClusterKey.init(h)
                    : io.quiesce.cluster.ClusterKey.load(h);
            if (args.get(0).equals("init")) {
                out.println("made the cluster key in " + key.folder() + "; copy that folder (mode 0700, its files 0600) into"
                        + " $QUIESCE_HOME of every host of the cluster, e.g. with: scp -rp " + key.folder() + " HOST:.quiesce/");
            }
            out.println("cluster key " + key.folder().resolve(io.quiesce.cluster.ClusterKey.STORE));
            out.println("fingerprint SHA-256 " + key.fingerprint());
            out.println("valid until " + key.certificate().getNotAfter().toInstant());
            return 0;
        } catch (IOException e) {
            err.println("quiesce cluster " + args.get(0) + ": " + e.getMessage());
            return 1;
        }
    }

    /** Starts the platform headless in the background, or with the Gogo console in the foreground. */
    private int start(List<String> args, boolean console) throws IOException {
        String listen = null;
        String join = null;
        String host = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--host") && i + 1 < args.size() && args.get(i + 1).matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                host = args.get(++i);
            } else if ((a.equals("--listen") || a.equals("--join")) && i + 1 < args.size()
                    && args.get(i + 1).matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]{1,253})?:?\\d{1,5}")) {
                if (a.equals("--listen")) {
                    listen = args.get(++i);
                } else {
                    join = args.get(++i);
                }
            } else {
                err.println("usage: quiesce " + (console ? "console" : "start") + " [--host NAME] [--listen [ADDRESS:]PORT] [--join HOST:PORT]"
                        + (i + 1 < args.size() || a.startsWith("--") ? " (bad " + a + (i + 1 < args.size() ? " " + args.get(i + 1) : "") + ")" : ""));
                return 2;
            }
        }
        if (join != null && !join.contains(":")) {
            err.println("quiesce start: --join needs HOST:PORT, got " + join);
            return 2;
        }
        Path h = HomeFiles.root(home); // refuses a home another user could have prepared
        if (Files.exists(h.resolve("token"), LinkOption.NOFOLLOW_LINKS)) {
            ControlToken.load(h.resolve("token")); // the platform would refuse it too: say why now, not after a timeout
        }
        try {
            if (request("status", List.of()).path("exit").asInt(1) == 0) {
                out.println("the platform is already running for QUIESCE_HOME=" + home);
                return 0;
            }
        } catch (NotThePlatform e) {
            err.println("quiesce start: " + e.getMessage() + "; starting the platform");
        } catch (IOException e) {
            // not running (or refusing us): start one
        }
        String jar = System.getProperty("quiesce.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            err.println("quiesce start: platform jar " + jar + " not found; build it first (mvn -q install -DskipTests)");
            return NOT_RUNNING;
        }
        Path logs = HomeFiles.folder(h.resolve("logs"));
        HomeFiles.folder(h.resolve("deploy")); // FileInstall may start before the coordinator would create it
        HomeFiles.folder(h.resolve("felix-cache"));
        // Headless: an empty profile, because the default one configures a line reader that does not exist.
        Path gosh = HomeFiles.folder(HomeFiles.folder(h.resolve("gosh")).resolve("etc"));
        SecureFiles.write(gosh.resolve("gosh_profile"), "# headless platform: no console, no profile\n".getBytes(StandardCharsets.US_ASCII));
        Path log = logs.resolve("platform.log");
        Path raw = logs.resolve("platform.out"); // the JVM's own output (start-up, crashes); the log proper rolls
        try {
            HomeFiles.check(raw, false);
        } catch (NoSuchFileException fresh) {
            Files.newByteChannel(raw, java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(SecureFiles.FILE)).close();
        }
        List<String> cmd = new ArrayList<>();
        if (!console) {
            cmd.add("setsid");
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquiesce.home=" + h, "-Dfelix.fileinstall.dir=" + h.resolve("deploy"),
                // FileInstall would otherwise rewrite each .cfg it reads, and may re-read one half-written, dropping
                // its settings; the files are the user's, never ours to write
                "-Dfelix.fileinstall.enableConfigSave=false",
                "-Dorg.osgi.framework.storage=" + h.resolve("felix-cache"), "-Dorg.osgi.framework.storage.clean=onFirstInit",
                "-Dquiesce.bin=" + System.getProperty("quiesce.bin", "quiesce")));
        if (System.getProperty("quiesce.rsh") != null) {
            cmd.add("-Dquiesce.rsh=" + System.getProperty("quiesce.rsh")); // the relay an agent starts for a job's remote exec
        }
        if (listen != null) {
            cmd.add("-Dquiesce.listen=" + listen);
        }
        if (join != null) {
            cmd.add("-Dquiesce.join=" + join);
        }
        if (host != null) {
            cmd.add("-Dquiesce.host=" + host);
        }
        if (!console) {
            cmd.addAll(List.of("-Dgosh.args=--nointeractive --noshutdown", "-Dgosh.home=" + h.resolve("gosh"), "-Dquiesce.log=" + log));
        }
        String extra = System.getenv("QUIESCE_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-jar", jar));
        if (console) {
            try {
                return new ProcessBuilder(cmd).inheritIO().start().waitFor();
            } catch (InterruptedException e) {
                return 1;
            }
        }
        // The platform must outlive this client: a session of its own, stdin from /dev/null, output to its log.
        new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(raw.toFile())).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (running()) {
                out.println("the platform is running for QUIESCE_HOME=" + home + " (log: " + log + ")");
                return 0;
            }
            sleep(200);
        }
        err.println("quiesce start: the platform did not answer within 60 s; see " + log);
        return NOT_RUNNING;
    }

    private int stop() throws IOException {
        JsonNode status;
        try {
            status = request("status", List.of("--json"));
        } catch (NotRunning e) {
            out.println("the platform is not running for QUIESCE_HOME=" + home);
            return 0;
        }
        long pid = JSON.readTree(status.path("out").asText("{}")).path("pid").asLong(-1);
        int rc = print(request("stop", List.of()));
        if (rc != 0) {
            return rc;
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                err.println("quiesce stop: the platform (PID " + pid + ") is still running after 30 s");
                return 1;
            }
            sleep(100);
        }
        return 0;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
