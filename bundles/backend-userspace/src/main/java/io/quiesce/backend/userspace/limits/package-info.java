/**
 * Resource limits: read from the tracer with prlimit64, set again by an injected prlimit64.
 */
package io.quiesce.backend.userspace.limits;
