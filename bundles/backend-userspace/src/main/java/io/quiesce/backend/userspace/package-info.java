/**
 * The userspace checkpointer (ptrace and /proc from Java). Private to the bundle. Orchestration lives in two classes
 * only: {@link io.quiesce.backend.userspace.ProcessDump} and {@link io.quiesce.backend.userspace.ProcessRestore}; the
 * sessions hand every call to their tracer thread; each kernel resource has its own package with a dump and a
 * restore half.
 */
package io.quiesce.backend.userspace;
