package io.quiesce.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request of the control protocol as the port reads it once the client has proved the token: a command, its
 * arguments, the caller's working directory and (for {@code launch}) its environment. The sender is trusted only
 * after its proof, but the bytes are still checked here, in one place, so that a malformed request gets a usage
 * error naming the field and never an exception that would leave the connection without a reply.
 *
 * @param command the command's name
 * @param args    its arguments
 * @param cwd     the caller's working directory (absolute)
 * @param env     the caller's environment, or null when the request carries none
 */
public record ControlRequest(String command, List<String> args, Path cwd, Map<String, String> env) {
    /** Most arguments and environment entries a request may carry (a command line and an environment are far smaller). */
    public static final int MAX_ENTRIES = 65_536;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param line       one request line, UTF-8 JSON
     * @param defaultCwd the directory used when the request names none
     * @return the checked request
     * @throws CommandFailure ({@link CommandFailure#USAGE}) naming what is wrong
     */
    public static ControlRequest parse(byte[] line, Path defaultCwd) {
        JsonNode req;
        try {
            req = JSON.readTree(new String(line, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw usage("the request is not JSON (" + e.getOriginalMessage() + ")");
        }
        return parse(req, defaultCwd);
    }

    /**
     * @param req        the request as JSON
     * @param defaultCwd the directory used when the request names none
     * @return the checked request
     * @throws CommandFailure ({@link CommandFailure#USAGE}) naming what is wrong
     */
    public static ControlRequest parse(JsonNode req, Path defaultCwd) {
        if (req == null || !req.isObject()) {
            throw usage("the request is not a JSON object");
        }
        JsonNode c = req.path("command");
        if (!c.isTextual() || !c.asText().matches("[a-z][a-z0-9-]{0,31}")) {
            throw usage("field 'command' must be a command name");
        }
        List<String> args = new ArrayList<>();
        JsonNode a = req.path("args");
        if (!a.isMissingNode() && !a.isNull()) {
            if (!a.isArray() || a.size() > MAX_ENTRIES) {
                throw usage("field 'args' must be an array of at most " + MAX_ENTRIES + " strings");
            }
            for (JsonNode x : a) {
                if (!x.isTextual()) {
                    throw usage("field 'args' holds a value that is not a string");
                }
                args.add(x.asText());
            }
        }
        Path cwd = defaultCwd;
        JsonNode d = req.path("cwd");
        if (!d.isMissingNode() && !d.isNull()) {
            String s = d.isTextual() ? d.asText() : "";
            if (!s.startsWith("/") || s.indexOf('\0') >= 0 || s.length() > 4096) {
                throw usage("field 'cwd' must be an absolute path");
            }
            cwd = Path.of(s);
        }
        Map<String, String> env = null;
        JsonNode e = req.path("env");
        if (!e.isMissingNode() && !e.isNull()) {
            if (!e.isObject() || e.size() > MAX_ENTRIES) {
                throw usage("field 'env' must be an object of at most " + MAX_ENTRIES + " strings");
            }
            env = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> v = it.next();
                String k = v.getKey();
                if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || !v.getValue().isTextual()
                        || v.getValue().asText().indexOf('\0') >= 0) {
                    throw usage("field 'env' holds an entry that is not NAME=VALUE text");
                }
                env.put(k, v.getValue().asText());
            }
        }
        return new ControlRequest(c.asText(), List.copyOf(args), cwd, env);
    }

    private static CommandFailure usage(String what) {
        return new CommandFailure(CommandFailure.USAGE, "bad control request: " + what);
    }
}
