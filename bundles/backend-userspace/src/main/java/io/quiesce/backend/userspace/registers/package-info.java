/**
 * Registers and threads: what ptrace reads and sets per thread, and the syscall-restart normalisation.
 */
package io.quiesce.backend.userspace.registers;
