/**
 * Starting a job's or a helper's process the way every Quiesce bundle must: with posix_spawn, never
 * {@link java.lang.ProcessBuilder} (the JDK's reaper thread would take the child's wait statuses and ptrace
 * stops), with no descriptor of the JVM, a clean signal state and a session of its own.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.quiesce.spawn;
