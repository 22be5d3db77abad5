package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * The backend's index in an image folder ({@code userspace.json}): which processes it saved, root first.
 *
 * @param magic         always {@link ImageFiles#INDEX_MAGIC}
 * @param formatVersion {@link ImageFiles#VERSION}
 * @param processes     the process image files, relative to the folder, root first
 */
public record ImageIndex(String magic, int formatVersion, List<String> processes) {
}
