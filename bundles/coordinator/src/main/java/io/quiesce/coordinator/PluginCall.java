package io.quiesce.coordinator;

import io.quiesce.api.CheckpointException;

/**
 * Plug-ins are third-party code: a runtime exception from one is turned into a {@link CheckpointException} naming
 * the plug-in and the phase, and handled like any other failure.
 */
final class PluginCall {
    private PluginCall() {
    }

    /** A step of a plug-in that may throw. */
    interface Step<T> {
        T run() throws CheckpointException;
    }

    /** A step that returns nothing. */
    interface Action {
        void run() throws CheckpointException;
    }

    static <T> T call(String who, String phase, Step<T> step) throws CheckpointException {
        try {
            return step.run();
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(who + " failed in " + phase + ": " + e, e);
        }
    }

    static void run(String who, String phase, Action action) throws CheckpointException {
        call(who, phase, () -> {
            action.run();
            return null;
        });
    }
}
