package io.quiesce.coordinator;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the coordinator (Config Admin PID {@code io.quiesce.coordinator}). */
@ObjectClassDefinition(name = "Quiesce coordinator", description = "Backend choice and checkpoint store.")
public @interface CoordinatorConfig {

    /** @return the backend checkpoints use; empty for the highest-ranked available one */
    @AttributeDefinition(description = "Backend for checkpoints (e.g. userspace, blcr); empty = highest-ranked available")
    String backend() default "";

    /** @return the checkpoint store folder; empty for {@code $QUIESCE_HOME/store} */
    @AttributeDefinition(description = "Checkpoint store folder; empty = $QUIESCE_HOME/store")
    String store() default "";
}
