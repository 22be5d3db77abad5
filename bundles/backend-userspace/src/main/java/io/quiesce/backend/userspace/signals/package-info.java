/**
 * Signal dispositions, read and set by injected rt_sigaction.
 */
package io.quiesce.backend.userspace.signals;
