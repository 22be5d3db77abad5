/**
 * Seize and freeze: the session's tracer thread and the ptrace requests on one traced thread.
 */
package io.quiesce.backend.userspace.seize;
