package io.quiesce.backend.userspace;

/** Test access to the backend's activation, as OSGi does it, for the fabric's tests (same package, test classpath only). */
public final class ActivatedBackend {
    private ActivatedBackend() {
    }

    /** @return a backend activated with its stub in the temp folder */
    public static UserspaceBackend create() {
        UserspaceBackend b = new UserspaceBackend();
        b.activateWith(null);
        return b;
    }

    public static void deactivate(UserspaceBackend b) {
        b.deactivate();
    }
}
