package io.quiesce.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiesce.api.CheckpointService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.codec.textline.TextLineCodecFactory;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's control port: JSON lines over TCP on 127.0.0.1, used by bin/quiesce. Its address goes to
 * {@code $QUIESCE_HOME/control}, its secret to {@code $QUIESCE_HOME/token} (0600).
 *
 * <p>Protocol, one exchange per connection: the server sends {@code {"quiesce":1,"nonce":HEX}}; the client answers
 * {@code {"auth":HMAC-SHA256(token,nonce),"command":NAME,"args":[...],"cwd":DIR,"env":{...}}}; the server replies
 * {@code {"exit":N,"out":TEXT,"err":TEXT}} and closes. A wrong answer gets exit 77 and is logged.
 */
@Component(service = ControlPort.class, immediate = true)
public class ControlPort extends IoHandlerAdapter {
    /** Exit status of a refused (unauthenticated) request. */
    public static final int REFUSED = 77;
    private static final Logger LOG = LoggerFactory.getLogger(ControlPort.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NONCE = "nonce";

    @Reference
    private CheckpointService service;

    private BundleContext context;
    private NioSocketAcceptor acceptor;
    private ExecutorService workers;
    private ControlToken token;
    private Commands commands;
    private Path addressFile;
    private volatile String address;

    @Activate
    void activate(BundleContext ctx) throws IOException {
        context = ctx;
        Path home = service.status().home();
        token = ControlToken.loadOrCreate(home.resolve("token"));
        commands = new Commands(service, this::address);
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "quiesce-control");
            t.setDaemon(true);
            return t;
        });
        acceptor = new NioSocketAcceptor();
        TextLineCodecFactory codec = new TextLineCodecFactory(StandardCharsets.UTF_8);
        codec.setDecoderMaxLineLength(16 << 20);
        codec.setEncoderMaxLineLength(64 << 20);
        acceptor.getFilterChain().addLast("codec", new ProtocolCodecFilter(codec));
        acceptor.setHandler(this);
        acceptor.setReuseAddress(true);
        acceptor.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress bound = (InetSocketAddress) acceptor.getLocalAddress();
        address = bound.getAddress().getHostAddress() + ":" + bound.getPort();
        addressFile = home.resolve("control");
        Path tmp = home.resolve(".control.tmp");
        Files.writeString(tmp, address + "\n");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, addressFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("control port listening on {} (home {})", address, home);
    }

    @Deactivate
    void deactivate() {
        try {
            if (address != null && Files.readString(addressFile).trim().equals(address)) {
                Files.deleteIfExists(addressFile);
            }
        } catch (IOException e) {
            // another platform may own the file now; leave it
        }
        acceptor.unbind();
        acceptor.dispose(false);
        workers.shutdownNow();
    }

    /** @return {@code host:port} of the control port, or null before it is bound */
    public String address() {
        return address;
    }

    @Override
    public void sessionOpened(IoSession session) {
        String nonce = HexFormat.of().formatHex(ControlToken.random(16));
        session.setAttribute(NONCE, nonce);
        session.write("{\"quiesce\":1,\"nonce\":\"" + nonce + "\"}");
    }

    @Override
    public void messageReceived(IoSession session, Object message) {
        String nonce = (String) session.removeAttribute(NONCE);
        if (nonce == null) {
            session.closeNow(); // one request per connection
            return;
        }
        JsonNode req;
        try {
            req = JSON.readTree(message.toString());
        } catch (IOException e) {
            reply(session, CommandFailure.USAGE, "", "malformed request: " + e.getMessage());
            return;
        }
        if (!token.verify(nonce, req.path("auth").asText(null))) {
            LOG.warn("refused control connection from {}: wrong token", session.getRemoteAddress());
            reply(session, REFUSED, "", "refused: wrong token (the client must read the token file of this QUIESCE_HOME)");
            return;
        }
        workers.execute(() -> execute(session, req));
    }

    private void execute(IoSession session, JsonNode req) {
        String command = req.path("command").asText("");
        List<String> args = new ArrayList<>();
        req.path("args").forEach(a -> args.add(a.asText()));
        if (command.equals("stop")) {
            reply(session, 0, "stopping the platform (PID " + ProcessHandle.current().pid() + "); jobs keep running", "");
            Thread t = new Thread(this::stopPlatform, "quiesce-stop");
            t.start();
            return;
        }
        Path cwd = Path.of(req.path("cwd").asText(System.getProperty("user.dir")));
        Map<String, String> env = null;
        if (req.has("env")) {
            env = new LinkedHashMap<>();
            for (var it = req.get("env").fields(); it.hasNext();) {
                var e = it.next();
                env.put(e.getKey(), e.getValue().asText());
            }
        }
        try {
            reply(session, 0, commands.run(command, args, new Caller(cwd, env)), "");
        } catch (CommandFailure f) {
            reply(session, f.exitStatus(), "", f.getMessage());
        } catch (RuntimeException e) {
            LOG.error("command {} failed unexpectedly", command, e);
            reply(session, CommandFailure.FAILED, "", command + ": internal error: " + e);
        }
    }

    private void stopPlatform() {
        try {
            Thread.sleep(200); // let the reply reach the client
            context.getBundle(0).stop();
        } catch (InterruptedException | BundleException e) {
            LOG.error("cannot stop the platform: {}", e.toString());
        }
    }

    private static void reply(IoSession session, int exit, String out, String err) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exit", exit);
        m.put("out", out);
        m.put("err", err);
        try {
            session.write(JSON.writeValueAsString(m)).addListener(f -> session.closeOnFlush());
        } catch (IOException e) {
            session.closeNow();
        }
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        LOG.debug("control connection {} failed: {}", session.getRemoteAddress(), cause.toString());
        session.closeNow();
    }
}
