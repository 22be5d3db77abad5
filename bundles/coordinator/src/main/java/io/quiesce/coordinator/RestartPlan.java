package io.quiesce.coordinator;

import io.quiesce.api.RestartRequest;
import io.quiesce.api.image.HostRecord;
import io.quiesce.api.image.Manifest;
import java.nio.file.Path;

/**
 * What the coordinator asks one agent to restart: one host part of a committed, verified checkpoint.
 *
 * @param checkpoint the committed checkpoint folder
 * @param manifest   its manifest (checked and sealed)
 * @param part       the host part this agent restores
 * @param request    how the user asked for the restart
 */
record RestartPlan(Path checkpoint, Manifest manifest, HostRecord part, RestartRequest request) {
    /** @return the folder holding this part's files */
    Path partFolder() {
        return part.folderIn(checkpoint);
    }
}
