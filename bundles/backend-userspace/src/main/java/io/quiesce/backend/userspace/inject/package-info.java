/**
 * Running system calls inside a stopped tracee through a scratch area (the bootstrap of facts/ptrace.md).
 */
package io.quiesce.backend.userspace.inject;
