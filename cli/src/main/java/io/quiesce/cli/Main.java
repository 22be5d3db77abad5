package io.quiesce.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * bin/quiesce: sends one command to the platform of {@code $QUIESCE_HOME} and prints its result. {@code start}
 * and {@code stop} manage the platform itself. Exit status: the command's (0 success, 1 failed, 2 usage),
 * 3 when the platform is not running or cannot be started, 77 when the platform refused the token.
 */
public final class Main {
    static final int NOT_RUNNING = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_MILLIS = 2000;

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
            out.println("usage: quiesce start | stop | console | COMMAND [ARGS]   (QUIESCE_HOME=" + home + ")");
            return args.isEmpty() ? 2 : forwardOrHelp();
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (command) {
                case "start" -> start(rest, false);
                case "console" -> start(rest, true);
                case "stop" -> stop();
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
    static final class NotRunning extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunning(String why) {
            super(why);
        }
    }

    JsonNode request(String command, List<String> args) throws IOException {
        Path control = home.resolve("control");
        Path tokenFile = home.resolve("token");
        if (!Files.exists(control)) {
            throw new NotRunning("no " + control);
        }
        String[] hp = Files.readString(control).trim().split(":");
        String token;
        try {
            token = Files.readString(tokenFile).trim();
        } catch (IOException e) {
            throw new IOException("cannot read the platform's token " + tokenFile + ": " + e.getMessage());
        }
        try (Socket s = new Socket()) {
            try {
                s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), CONNECT_MILLIS);
            } catch (IOException e) {
                throw new NotRunning("nothing answers at " + String.join(":", hp));
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String hello = in.readLine();
            if (hello == null) {
                throw new NotRunning("the control port closed the connection");
            }
            JsonNode h = JSON.readTree(hello);
            ObjectNode req = JSON.createObjectNode();
            req.put("auth", hmac(token, h.path("nonce").asText()));
            req.put("command", command);
            args.forEach(req.putArray("args")::add);
            if (args.isEmpty()) {
                req.putArray("args");
            }
            req.put("cwd", System.getProperty("user.dir"));
            ObjectNode env = req.putObject("env");
            System.getenv().forEach(env::put);
            OutputStream o = s.getOutputStream();
            o.write((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
            o.flush();
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("the platform closed the connection without answering (did it stop?)");
            }
            return JSON.readTree(reply);
        }
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

    static String hmac(String token, String nonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(nonce.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean running() {
        try {
            return request("status", List.of()).path("exit").asInt(1) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts the platform headless in the background, or with the Gogo console in the foreground. */
    private int start(List<String> args, boolean console) throws IOException {
        if (!args.isEmpty()) {
            err.println("quiesce " + (console ? "console" : "start") + ": takes no arguments");
            return 2;
        }
        if (running()) {
            out.println("the platform is already running for QUIESCE_HOME=" + home);
            return 0;
        }
        String jar = System.getProperty("quiesce.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            err.println("quiesce start: platform jar " + jar + " not found; build it first (mvn -q install -DskipTests)");
            return NOT_RUNNING;
        }
        Path logs = privateFolder(home.resolve("logs"));
        privateFolder(home);
        privateFolder(home.resolve("deploy")); // FileInstall may start before the coordinator would create it
        // Headless: an empty profile, because the default one configures a line reader that does not exist.
        Path gosh = privateFolder(home.resolve("gosh/etc"));
        Files.writeString(gosh.resolve("gosh_profile"), "# headless platform: no console, no profile\n");
        Path log = logs.resolve("platform.log");
        List<String> cmd = new ArrayList<>();
        if (!console) {
            cmd.add("setsid");
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquiesce.home=" + home, "-Dfelix.fileinstall.dir=" + home.resolve("deploy"),
                "-Dorg.osgi.framework.storage=" + home.resolve("felix-cache"), "-Dorg.osgi.framework.storage.clean=onFirstInit",
                "-Dquiesce.bin=" + System.getProperty("quiesce.bin", "quiesce")));
        if (!console) {
            cmd.addAll(List.of("-Dgosh.args=--nointeractive --noshutdown", "-Dgosh.home=" + home.resolve("gosh")));
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
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
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

    private static Path privateFolder(Path p) throws IOException {
        Files.createDirectories(p);
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
