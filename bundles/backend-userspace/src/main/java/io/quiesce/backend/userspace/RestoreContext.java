package io.quiesce.backend.userspace;

import io.quiesce.backend.userspace.files.FileTable;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What the rebuild of every process of one restore shares.
 *
 * @param folder      the image folder
 * @param relocate    maps a saved path to the one to open now (relocations, ghost files)
 * @param fallbackOut where a saved descriptor that cannot be reopened writes instead (may be null)
 * @param files       which process holds which open file description so far
 * @param spawned     every process and thread made so far, added as soon as it exists: a failed restore kills
 *                    and reaps them, the last first
 */
record RestoreContext(Path folder, io.quiesce.backend.userspace.files.Relocation relocate, Path fallbackOut, FileTable files, List<Integer> spawned) {
}
