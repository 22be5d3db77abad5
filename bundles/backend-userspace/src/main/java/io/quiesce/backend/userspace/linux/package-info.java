/**
 * Every native declaration of the bundle: the glibc binding, ptrace and syscall constants, kernel structures
 * ({@code @FieldOrder}, one comment per field) and the x86_64 register layout.
 */
package io.quiesce.backend.userspace.linux;
