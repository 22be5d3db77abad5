/**
 * The processes of this host, as every Quiesce bundle needs them: their {@code /proc} stat and trees
 * ({@link io.quiesce.process.ProcFs}), and starting them the way every bundle must: with posix_spawn, never
 * {@link java.lang.ProcessBuilder} (the JDK's reaper thread would take the child's wait statuses and ptrace
 * stops), with no descriptor of the JVM, a clean signal state and a session of its own.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.quiesce.process;
