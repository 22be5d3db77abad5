/**
 * Contracts of the Quiesce platform.
 *
 * <p>Three kinds of plug-in meet here: {@link io.quiesce.api.CheckpointBackend checkpoint backends} save and
 * restore the processes of a job on one host, {@link io.quiesce.api.Fabric fabrics} drain and rebuild a job's
 * network channels, and {@link io.quiesce.api.CheckpointHook hooks} let third parties act at each phase. The
 * platform's {@link io.quiesce.api.CheckpointService checkpoint service} drives them through the quiesce
 * protocol: prepare, freeze, drain (with settle and hand-over for channels between hosts), dump, commit, then
 * resume or kill; and for restart: restore, listen, reconnect, refill, release.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package io.quiesce.api;
