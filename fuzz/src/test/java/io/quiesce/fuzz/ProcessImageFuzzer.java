package io.quiesce.fuzz;

import io.quiesce.api.ImageException;
import io.quiesce.backend.userspace.image.ImageFiles;
import java.nio.file.Path;

/** The userspace backend's process and index readers (the first input byte picks which). */
public final class ProcessImageFuzzer {
    static final Path PROCESS = Path.of("/fuzz/process-1.json");
    static final Path INDEX = Path.of("/fuzz/userspace.json");

    private ProcessImageFuzzer() {
    }

    /** Called by Jazzer once before fuzzing: loads the reader's classes, so no input pays for that. */
    public static void fuzzerInitialize() {
        fuzzerTestOneInput("{\"magic\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] rest = java.util.Arrays.copyOfRange(data, 1, data.length);
        boolean index = (data[0] & 1) == 1;
        try {
            if (index) {
                ImageFiles.parseIndex(rest, INDEX);
            } else {
                ImageFiles.parseProcess(rest, PROCESS);
            }
        } catch (ImageException e) {
            Findings.check(e, index ? INDEX : PROCESS);
        }
    }
}
