/**
 * Signal dispositions, read and set by injected rt_sigaction, and pending signals, peeked with ptrace and queued
 * again by injected rt_(tg)sigqueueinfo.
 */
package io.quiesce.backend.userspace.signals;
