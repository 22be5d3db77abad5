package io.quiesce.shell;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointService;
import io.quiesce.api.RemoteExec;
import io.quiesce.api.RemoteExecRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@code quiesce-rsh}, run by a job's own launcher in place of ssh, asks for a command on another host:
 * {@code $QUIESCE_HOME/rexec.sock}, a UNIX socket in the user's 0700 home (so only the user reaches it; the
 * platform then checks that the asking PID is a process of the job). A request is NUL-separated fields, ended by
 * the end of the stream: {@code rexec1}, job, host, port, PID, command; the answer one line: {@code ok local},
 * {@code ok remote SECRET} or {@code error MESSAGE}. The platform closes as soon as it has answered, so that the
 * asking process, which a checkpoint of its job may freeze at any moment, holds no connection to the platform
 * for longer than the answer takes to read.
 */
@Component(service = RemoteExecPort.class, immediate = true)
public class RemoteExecPort {
    /** The socket's name in the home. */
    public static final String SOCKET = "rexec.sock";
    static final int MAX_REQUEST = 70 * 1024;
    static final int REQUEST_SECONDS = 10;
    static final int MAX_CONCURRENT = 8;
    private static final Logger LOG = LoggerFactory.getLogger(RemoteExecPort.class);

    @Reference
    private CheckpointService service;

    private Path socket;
    private ServerSocketChannel server;
    private ExecutorService workers;
    private ScheduledExecutorService timers;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private final RateLimitedLog refusals = new RateLimitedLog(LOG);
    private final RateLimitedLog acceptErrors = new RateLimitedLog(LOG);

    @Activate
    void activate() {
        socket = service.status().home().resolve(SOCKET);
        try {
            removeStale(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            // the platform runs on without it: a job's quiesce-rsh then says it cannot reach the platform here
            LOG.error("remote exec is unavailable: cannot listen at {}: {}", socket, e.getMessage());
            closeQuietly(server);
            server = null;
            return;
        }
        workers = Executors.newCachedThreadPool(DaemonThreads.named("quiesce-rexec"));
        timers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("quiesce-rexec-timer"));
        Thread accept = DaemonThreads.named("quiesce-rexec-accept").newThread(this::accept);
        accept.start();
        LOG.info("remote exec socket listening at {}", socket);
    }

    /** A socket left by a platform that died is ours to replace; anything else in its place is not. */
    private static void removeStale(Path socket) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException none) {
            return;
        }
        if (!a.isOther() || !a.owner().getName().equals(System.getProperty("user.name"))) {
            throw new IOException(socket + " exists and is not a socket of user " + System.getProperty("user.name")
                    + ": remove it to let the platform listen there");
        }
        Files.delete(socket);
    }

    @Deactivate
    void deactivate() {
        if (server == null) {
            return;
        }
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("closing {}: {}", socket, e.getMessage());
        }
        workers.shutdownNow();
        timers.shutdownNow();
    }

    private void accept() {
        long backOff = 0;
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
                backOff = 0;
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                // an error that lasts (EMFILE: out of descriptors) would otherwise spin this thread and flood the log
                acceptErrors.warn("remote exec socket " + socket + ": " + e.getMessage());
                backOff = Math.min(Math.max(2 * backOff, 10), 1000);
                try {
                    Thread.sleep(backOff);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                refusals.warn("remote exec: more than " + MAX_CONCURRENT + " requests at once: one refused");
                answer(c, "error the platform is busy with " + MAX_CONCURRENT + " other remote exec requests: try again");
                continue;
            }
            workers.execute(() -> {
                try {
                    serve(c);
                } finally {
                    slots.release();
                }
            });
        }
    }

    private void serve(SocketChannel c) {
        // a request that does not arrive in time is cut off: no read blocks for ever
        ScheduledFuture<?> cut = timers.schedule(() -> closeQuietly(c), REQUEST_SECONDS, TimeUnit.SECONDS);
        byte[] request;
        try {
            request = readAll(c);
        } catch (IOException e) {
            cut.cancel(false);
            answer(c, "error " + e.getMessage());
            return;
        }
        cut.cancel(false);
        String reply;
        try {
            RemoteExecRequest r = parse(request);
            RemoteExec done = service.remoteExec(r);
            reply = done.local() ? "ok local" : "ok remote " + done.secret();
        } catch (CheckpointException | IllegalArgumentException e) {
            LOG.warn("remote exec refused: {}", e.getMessage());
            reply = "error " + e.getMessage();
        } catch (RuntimeException e) {
            LOG.error("remote exec failed", e);
            reply = "error " + e;
        }
        answer(c, reply);
    }

    private static byte[] readAll(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(MAX_REQUEST + 1);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                byte[] out = new byte[b.position()];
                b.flip().get(out);
                return out;
            }
        }
        throw new IOException("request longer than " + MAX_REQUEST + " bytes");
    }

    /**
     * @param raw the request's bytes
     * @return it parsed
     * @throws IllegalArgumentException when it is not one
     */
    static RemoteExecRequest parse(byte[] raw) {
        String s = new String(raw, StandardCharsets.UTF_8);
        List<String> f = new ArrayList<>(List.of(s.split("\0", 6)));
        if (f.size() != 6 || !f.get(0).equals("rexec1")) {
            throw new IllegalArgumentException("not a remote exec request of version 1 (from an older or newer quiesce-rsh?)");
        }
        int port;
        long pid;
        try {
            port = Integer.parseInt(f.get(3));
            pid = Long.parseLong(f.get(4));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed remote exec request: port '" + f.get(3) + "', PID '" + f.get(4) + "'");
        }
        if (f.get(5).indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the command holds a NUL byte");
        }
        return new RemoteExecRequest(f.get(1), f.get(2), f.get(5), port, pid);
    }

    private static void answer(SocketChannel c, String line) {
        try (c) {
            ByteBuffer b = ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
        } catch (IOException e) {
            // the asker is gone: nothing to tell it
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing only
        }
    }
}
