package io.quiesce.shell;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.CheckpointRequest;
import io.quiesce.api.CheckpointService;
import io.quiesce.api.LaunchRequest;
import io.quiesce.api.ExternalPolicy;
import io.quiesce.api.RestartRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code cr:} commands, shared by the Gogo shell and the control port so both run exactly the same code.
 * Each takes its arguments as the user typed them and returns the rendered result; failures are
 * {@link CommandFailure}s with a message fit for the user.
 */
public final class Commands {
    /** Usage lines, in the order help shows them. */
    public static final Map<String, String> USAGE = usage();

    private static final Set<String> JSON = Set.of("--json");
    private final CheckpointService service;
    private final Supplier<String> controlAddress;

    /**
     * @param service        the platform's checkpoint service
     * @param controlAddress where the control port listens, for {@code status}; may supply null
     */
    public Commands(CheckpointService service, Supplier<String> controlAddress) {
        this.service = service;
        this.controlAddress = controlAddress;
    }

    private static Map<String, String> usage() {
        Map<String, String> u = new LinkedHashMap<>();
        u.put("launch", "launch [--name NAME] [--host HOST] [--job JOB] [--stdout FILE] [--stderr FILE] [--cwd DIR] [--backend NAME] [--json] [--] COMMAND [ARG...]");
        u.put("jobs", "jobs [JOB] [--json]");
        u.put("checkpoint", "checkpoint JOB [--kill] [--save-files] [--backend NAME] [--json]");
        u.put("restart", "restart JOB|CHECKPOINT_FOLDER [--relocate OLD=NEW]... [--host-map OLD=NEW,...] [--exact-pids] [--external fail|close|reconnect] [--trust] [--files check|keep] [--json]");
        u.put("checkpoints", "checkpoints [JOB] [--json]");
        u.put("inspect", "inspect JOB|CHECKPOINT_FOLDER [--json]");
        u.put("backends", "backends [--json]");
        u.put("fabrics", "fabrics [--json]");
        u.put("status", "status [--json]");
        u.put("hosts", "hosts [--json]");
        return u;
    }

    /**
     * Runs one command.
     *
     * @param name   the command's name without scope
     * @param args   its arguments
     * @param caller who runs it
     * @return the rendered result
     * @throws CommandFailure when it fails, with the exit status to use
     */
    public String run(String name, List<String> args, Caller caller) {
        try {
            return switch (name) {
                case "launch" -> launch(args, caller);
                case "jobs" -> jobs(args);
                case "checkpoint" -> checkpoint(args);
                case "restart" -> restart(args, caller);
                case "checkpoints" -> checkpoints(args);
                case "inspect" -> inspect(args, caller);
                case "backends" -> Formatter.plugins(service.backends(), noArgs(name, args).has("--json"), true);
                case "fabrics" -> Formatter.plugins(service.fabrics(), noArgs(name, args).has("--json"), false);
                case "status" -> Formatter.status(service.status(), controlAddress.get(), noArgs(name, args).has("--json"));
                case "hosts" -> Formatter.hosts(service.hosts(), noArgs(name, args).has("--json"));
                case "help" -> help();
                default -> throw new CommandFailure(CommandFailure.USAGE, "unknown command '" + name + "'\n" + help());
            };
        } catch (CheckpointException e) {
            throw new CommandFailure(CommandFailure.FAILED, name + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(CommandFailure.USAGE, name + ": " + e.getMessage());
        }
    }

    /** @return every command's usage line */
    public static String help() {
        StringBuilder sb = new StringBuilder("commands:");
        USAGE.values().forEach(u -> sb.append("\n  ").append(u));
        return sb.toString();
    }

    private static CommandLine noArgs(String name, List<String> args) {
        CommandLine cl = CommandLine.parse(name, args, JSON, Set.of(), false);
        cl.positional(name, 0, 0, "");
        return cl;
    }

    private String launch(List<String> args, Caller caller) throws CheckpointException {
        CommandLine cl = CommandLine.parse("launch", args, JSON, Set.of("--name", "--host", "--job", "--stdout", "--stderr", "--cwd", "--backend"), true);
        if (cl.positional().isEmpty()) {
            throw new CommandFailure(CommandFailure.USAGE, "launch: missing COMMAND\nusage: " + USAGE.get("launch"));
        }
        Path cwd = cl.value("--cwd") == null ? caller.cwd() : caller.cwd().resolve(cl.value("--cwd")).normalize();
        if (!cwd.toFile().isDirectory()) {
            throw new CommandFailure(CommandFailure.USAGE, "launch: working directory " + cwd + " does not exist");
        }
        String host = cl.value("--host");
        if (host != null && (cl.value("--stdout") != null || cl.value("--stderr") != null)) {
            throw new CommandFailure(CommandFailure.USAGE, "launch: --stdout and --stderr name files of this host; a piece on --host "
                    + host + " writes to its jobs folder there");
        }
        LaunchRequest req = new LaunchRequest(cl.positional(), cl.value("--name"), caller.environment(), cwd,
                path(cwd, cl.value("--stdout")), path(cwd, cl.value("--stderr")), cl.value("--backend"), host, cl.value("--job"));
        return Formatter.launched(service.launch(req), host, cl.has("--json"));
    }

    private static Path path(Path cwd, String p) {
        return p == null ? null : cwd.resolve(p).normalize();
    }

    private String jobs(List<String> args) throws CheckpointException {
        CommandLine cl = CommandLine.parse("jobs", args, JSON, Set.of(), false);
        List<String> pos = cl.positional("jobs", 0, 1, "JOB");
        return Formatter.jobs(pos.isEmpty() ? service.jobs() : List.of(service.job(pos.get(0))), cl.has("--json"));
    }

    private String checkpoint(List<String> args) throws CheckpointException {
        CommandLine cl = CommandLine.parse("checkpoint", args, Set.of("--json", "--kill", "--save-files"), Set.of("--backend"), false);
        String job = cl.positional("checkpoint", 1, 1, "JOB\nusage: " + USAGE.get("checkpoint")).get(0);
        return Formatter.checkpoint(service.checkpoint(new CheckpointRequest(job, cl.value("--backend"), cl.has("--kill"), cl.has("--save-files"))), cl.has("--json"));
    }

    private String restart(List<String> args, Caller caller) throws CheckpointException {
        CommandLine cl = CommandLine.parse("restart", args, Set.of("--json", "--exact-pids", "--trust"), Set.of("--relocate", "--external", "--files", "--host-map"), false);
        String target = cl.positional("restart", 1, 1, "JOB or CHECKPOINT_FOLDER\nusage: " + USAGE.get("restart")).get(0);
        Map<String, String> relocations = pairs("--relocate", cl.values("--relocate"));
        List<String> maps = new ArrayList<>();
        cl.values("--host-map").forEach(v -> maps.addAll(List.of(v.split(",", -1))));
        Map<String, String> hostMap = pairs("--host-map", maps);
        ExternalPolicy external;
        try {
            external = cl.value("--external") == null ? ExternalPolicy.FAIL : ExternalPolicy.parse(cl.value("--external"));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(CommandFailure.USAGE, "restart: " + e.getMessage());
        }
        String files = cl.value("--files") == null ? "check" : cl.value("--files");
        if (!files.equals("check") && !files.equals("keep")) {
            throw new CommandFailure(CommandFailure.USAGE, "restart: --files takes check or keep, not '" + files + "'");
        }
        return Formatter.restart(service.restart(new RestartRequest(target(target, caller), relocations, cl.has("--exact-pids"),
                external, cl.has("--trust"), files.equals("keep"), hostMap)), cl.has("--json"));
    }

    /** @return OLD=NEW values as a map in their order; an empty side or an OLD given twice is a usage error */
    private static Map<String, String> pairs(String option, List<String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String r : values) {
            int eq = r.indexOf('=');
            if (eq < 1 || eq == r.length() - 1) {
                throw new CommandFailure(CommandFailure.USAGE, "restart: " + option + " takes OLD=NEW, not '" + r + "'");
            }
            if (out.put(r.substring(0, eq), r.substring(eq + 1)) != null) {
                throw new CommandFailure(CommandFailure.USAGE, "restart: " + option + " names " + r.substring(0, eq) + " twice");
            }
        }
        return out;
    }

    /** A target with a slash, or that names an existing folder, is a path relative to the caller. */
    private static String target(String t, Caller caller) {
        Path p = caller.cwd().resolve(t);
        return t.contains("/") || p.toFile().isDirectory() ? p.normalize().toString() : t;
    }

    private String checkpoints(List<String> args) throws CheckpointException {
        CommandLine cl = CommandLine.parse("checkpoints", args, JSON, Set.of(), false);
        List<String> pos = cl.positional("checkpoints", 0, 1, "JOB");
        return Formatter.checkpoints(service.checkpoints(pos.isEmpty() ? null : pos.get(0)), cl.has("--json"));
    }

    private String inspect(List<String> args, Caller caller) throws CheckpointException {
        CommandLine cl = CommandLine.parse("inspect", args, JSON, Set.of(), false);
        String target = cl.positional("inspect", 1, 1, "JOB or CHECKPOINT_FOLDER").get(0);
        return Formatter.manifest(service.inspect(target(target, caller)), cl.has("--json"));
    }
}
