package io.quiesce.shell;

import io.quiesce.api.CheckpointService;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Gogo commands in scope {@code cr}. Each takes its arguments as typed (options before or after the
 * positional ones) and hands them to {@link Commands}, which the control port runs too.
 */
@Component(service = CrCommands.class, immediate = true, property = { "osgi.command.scope=cr",
        "osgi.command.function=launch", "osgi.command.function=jobs", "osgi.command.function=checkpoint",
        "osgi.command.function=restart", "osgi.command.function=checkpoints", "osgi.command.function=inspect",
        "osgi.command.function=backends", "osgi.command.function=fabrics", "osgi.command.function=status",
        "osgi.command.function=hosts" })
public class CrCommands {
    private Commands commands;

    @Reference
    private CheckpointService service;

    @Reference
    private ControlPort control;

    @Activate
    void activate() {
        commands = new Commands(service, control::address);
    }

    private String run(String name, String[] args) {
        return commands.run(name, List.of(args), Caller.platform());
    }

    @Descriptor("start a command as a job: launch [--name NAME] [--host HOST] [--job JOB] [--stdout FILE] [--stderr FILE] [--cwd DIR] [--backend NAME] [--json] [--] COMMAND [ARG...]")
    public String launch(@Descriptor("options, then the command and its arguments") String... args) {
        return run("launch", args);
    }

    @Descriptor("list jobs, or show one: jobs [JOB] [--json]")
    public String jobs(@Descriptor("[JOB] [--json]") String... args) {
        return run("jobs", args);
    }

    @Descriptor("take a coordinated checkpoint of a job: checkpoint JOB [--kill] [--backend NAME] [--json]")
    public String checkpoint(@Descriptor("JOB [--kill] [--backend NAME] [--json]") String... args) {
        return run("checkpoint", args);
    }

    @Descriptor("restart a job from its latest checkpoint or from a checkpoint folder: restart JOB|FOLDER [--relocate OLD=NEW]... [--host-map OLD=NEW,...] [--exact-pids] [--json]")
    public String restart(@Descriptor("JOB|FOLDER [--relocate OLD=NEW]... [--host-map OLD=NEW,...] [--exact-pids] [--json]") String... args) {
        return run("restart", args);
    }

    @Descriptor("list committed checkpoints: checkpoints [JOB] [--json]")
    public String checkpoints(@Descriptor("[JOB] [--json]") String... args) {
        return run("checkpoints", args);
    }

    @Descriptor("show what a checkpoint holds: inspect JOB|FOLDER [--json]")
    public String inspect(@Descriptor("JOB|FOLDER [--json]") String... args) {
        return run("inspect", args);
    }

    @Descriptor("list checkpoint backends with their availability: backends [--json]")
    public String backends(@Descriptor("[--json]") String... args) {
        return run("backends", args);
    }

    @Descriptor("list network fabrics with their availability: fabrics [--json]")
    public String fabrics(@Descriptor("[--json]") String... args) {
        return run("fabrics", args);
    }

    @Descriptor("list the cluster's hosts: this platform, and the agents that joined it or the coordinator it joined: hosts [--json]")
    public String hosts(@Descriptor("[--json]") String... args) {
        return run("hosts", args);
    }

    @Descriptor("show the platform's state: status [--json]")
    public String status(@Descriptor("[--json]") String... args) {
        return run("status", args);
    }
}
