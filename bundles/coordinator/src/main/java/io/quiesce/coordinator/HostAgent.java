package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Rendezvous;

/**
 * One host's part in the quiesce protocol. The coordinator drives every host's agent through the same named phases
 * ({@link CheckpointProtocol}); the single-host default is the case of one {@link LocalAgent}. An agent acts on its
 * own host only, for the user it runs as.
 */
interface HostAgent {
    /** @return the name the agent's host is known by; names its part folder in a checkpoint */
    String host();

    /**
     * Phase <em>prepare</em>: finds the job's processes on this host and opens the backend's checkpoint session and
     * this host's staging part. Nothing is frozen yet.
     *
     * @param plan what to checkpoint
     * @return the host's checkpoint, driven phase by phase; always closed
     * @throws CheckpointException when the host cannot take part (no process of the job, backend unavailable)
     */
    HostCheckpoint prepare(CheckpointPlan plan) throws CheckpointException;

    /**
     * Opens the restart of one host part of a committed checkpoint on this host. Nothing is rebuilt yet.
     *
     * @param plan       what to restart
     * @param rendezvous the restart's name service, shared by every host: channel ends publish and look up new addresses
     * @return the host's restart, driven phase by phase; always closed
     * @throws CheckpointException when the part cannot be restarted here (backend or fabric missing)
     */
    HostRestart openRestart(RestartPlan plan, Rendezvous rendezvous) throws CheckpointException;

    /**
     * Opens the sending end of copying this host's copy of a host part to another host ({@code restart --host-map});
     * the part is checked (sizes and SHA-256) before anything is sent.
     *
     * @param checkpoint the coordinator's checkpoint folder (where the coordinator's own host keeps its parts)
     * @param manifest   the checkpoint's manifest
     * @param part       the part folder
     * @throws CheckpointException when this host holds no such part, or not as listed
     */
    PartTransfer.Source sendPart(java.nio.file.Path checkpoint, io.quiesce.api.image.Manifest manifest, String part) throws CheckpointException;

    /**
     * Opens the receiving end of copying a host part to this host.
     *
     * @return the receiving end; {@link PartTransfer.Sink#present()} is true when this host holds the part already
     * @throws CheckpointException when this host cannot receive it
     */
    PartTransfer.Sink receivePart(java.nio.file.Path checkpoint, io.quiesce.api.image.Manifest manifest, String part) throws CheckpointException;
}
