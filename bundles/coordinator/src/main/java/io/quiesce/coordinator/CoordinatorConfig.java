package io.quiesce.coordinator;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the coordinator (Config Admin PID {@code io.quiesce.coordinator}). */
@ObjectClassDefinition(name = "Quiesce coordinator", description = "Backend choice, checkpoint store, host name and deadlines.")
public @interface CoordinatorConfig {

    /** @return the backend checkpoints use; empty for the highest-ranked available one */
    @AttributeDefinition(description = "Backend for checkpoints (e.g. userspace, blcr); empty = highest-ranked available")
    String backend() default "";

    /** @return the checkpoint store folder; empty for {@code $QUIESCE_HOME/store} */
    @AttributeDefinition(description = "Checkpoint store folder; empty = $QUIESCE_HOME/store")
    String store() default "";

    /**
     * @return how long a job may stay frozen while the platform gives no sign of life before the watchdog kills the
     *         platform so that the job runs on; 0 disables it
     */
    @AttributeDefinition(description = "Seconds a job may stay frozen while the platform shows no sign of life (heartbeats stop); then a watchdog process kills the platform and the job runs on. 0 = no deadline")
    int freezeDeadlineSeconds() default 30;

    /** @return the name this host is known by among the job's hosts; empty for the system's host name */
    @AttributeDefinition(description = "Name of this host among a job's hosts (names its part of each checkpoint); empty = the system host name")
    String host() default "";

    /** @return how long one protocol phase may take over all hosts */
    @AttributeDefinition(description = "Seconds one phase of the quiesce protocol (freeze, drain, dump, ...) may take over all hosts before the checkpoint is aborted")
    int phaseTimeoutSeconds() default 300;

    /** @return where this platform listens for agents ({@code PORT} or {@code ADDRESS:PORT}); empty for none */
    @AttributeDefinition(description = "Listen for agents of other hosts on PORT or ADDRESS:PORT (cluster key required); empty = single host. bin/quiesce start --listen sets it for one run")
    String listen() default "";

    /** @return the coordinator this platform joins as an agent ({@code HOST:PORT}); empty for none */
    @AttributeDefinition(description = "Join the coordinator at HOST:PORT as this host's agent (cluster key required); empty = not an agent. bin/quiesce start --join sets it for one run")
    String join() default "";

    /** @return seconds an agent keeps its processes frozen without hearing its coordinator */
    @AttributeDefinition(description = "On an agent: seconds its frozen processes wait for the coordinator's lease renewal (sent every second) before the agent resumes them and aborts on its own")
    int leaseSeconds() default 10;
}
