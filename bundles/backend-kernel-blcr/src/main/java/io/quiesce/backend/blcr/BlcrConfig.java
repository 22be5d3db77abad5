package io.quiesce.backend.blcr;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the BLCR backend (Config Admin PID {@code io.quiesce.backend.blcr}). */
@ObjectClassDefinition(name = "Quiesce BLCR backend", description = "Where BLCR's pieces are and how long requests may take.")
public @interface BlcrConfig {

    /** @return libcr's path; empty to look for libcr.so.0 in LD_LIBRARY_PATH and the standard library folders */
    @AttributeDefinition(description = "Path of libcr.so.0; empty = LD_LIBRARY_PATH and the standard library folders")
    String library() default "";

    /** @return the cr_restart program; a name without '/' is looked up on PATH */
    @AttributeDefinition(description = "The cr_restart program (a name without '/' is looked up on PATH)")
    String crRestart() default "cr_restart";

    /** @return BLCR's cr_timeout: seconds the job has to reach the checkpoint, 0 = unbounded */
    @AttributeDefinition(description = "Seconds the job has to reach the checkpoint (BLCR cr_timeout); 0 = unbounded")
    int timeoutSeconds() default 300;

    /** @return seconds a restart may take before cr_restart is killed */
    @AttributeDefinition(description = "Seconds a restart may take before cr_restart is killed")
    int restoreTimeoutSeconds() default 120;

    /** @return true to save executables and mapped files into the context (CR_CHKPT_DUMP_ALL, cr_checkpoint --save-all) */
    @AttributeDefinition(description = "Save executables and mapped files too (--save-all), so a restart does not need the same files")
    boolean saveAll() default false;
}
