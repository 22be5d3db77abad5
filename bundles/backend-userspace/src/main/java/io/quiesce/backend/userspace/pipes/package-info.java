/**
 * Anonymous pipes: the bytes in flight, copied without consuming them at dump and written back at restore.
 */
package io.quiesce.backend.userspace.pipes;
