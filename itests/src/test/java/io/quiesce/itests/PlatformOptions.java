package io.quiesce.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.ops4j.pax.exam.Option;

/**
 * The one options helper of the OSGi integration tests: boots Felix with our built bundles (from their target
 * folders) and the runtime bundles (from the test class path, so nothing is downloaded), with a fresh
 * {@code QUIESCE_HOME} and a FileInstall deploy folder inside it.
 */
final class PlatformOptions {
    static final String[] OURS = { "quiesce-api", "process", "cluster", "coordinator", "shell", "backend-userspace", "backend-kernel-blcr", "fabric-tcp",
            "fabric-verbs", "fabric-mx" };
    private static final String[] RUNTIME = { "org.apache.felix.scr-", "org.apache.felix.configadmin-", "org.apache.felix.fileinstall-",
            "org.apache.felix.gogo.runtime-", "org.osgi.service.component-", "org.osgi.util.promise-", "org.osgi.util.function-",
            "jna-", "mina-core-", "jackson-annotations-", "jackson-core-", "jackson-databind-", "slf4j-api-", "slf4j-simple-" };

    private PlatformOptions() {
    }

    static Path root() {
        return Path.of(System.getProperty("quiesce.root", "..")).toAbsolutePath().normalize();
    }

    static Path ourJar(String module) {
        String v = System.getProperty("quiesce.version", "0.1.0-SNAPSHOT");
        Path dir = module.equals("example-plugin") ? root().resolve("examples") : root().resolve("bundles");
        return dir.resolve(module).resolve("target").resolve(module + "-" + v + ".jar");
    }

    static Option[] platform(Path home) {
        List<Option> o = new ArrayList<>();
        o.add(systemProperty("quiesce.home").value(home.toString()));
        o.add(frameworkProperty("felix.fileinstall.dir").value(home.resolve("deploy").toString()));
        o.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        o.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        o.add(frameworkProperty("felix.fileinstall.log.level").value("1"));
        o.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("warn"));
        o.add(systemProperty("org.slf4j.simpleLogger.log.org.apache.mina.filter.ssl").value("off"));
        o.add(systemProperty("org.ops4j.pax.url.mvn.offline").value("true"));
        o.add(systemProperty("org.ops4j.pax.url.mvn.localRepository").value(System.getProperty("org.ops4j.pax.url.mvn.localRepository",
                System.getProperty("user.home") + "/.m2/repository")));
        for (String jar : classPath()) {
            String name = new File(jar).getName();
            for (String prefix : RUNTIME) {
                if (name.startsWith(prefix) && name.endsWith(".jar")) {
                    o.add(bundle(new File(jar).toURI().toString()));
                }
            }
        }
        for (String m : OURS) {
            o.add(bundle(ourJar(m).toUri().toString()));
        }
        o.add(junitBundles());
        o.add(cleanCaches());
        return o.toArray(Option[]::new);
    }

    private static String[] classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return cp.split(File.pathSeparator);
    }

    static Path newHome(String name) {
        try {
            Path home = Files.createTempDirectory("quiesce-it-" + name + "-");
            Files.createDirectories(home.resolve("deploy"));
            return home;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Something that should fail. */
    interface Failing {
        void run() throws Exception;
    }

    /**
     * JUnit 4.13's assertThrows for tests that run inside the framework, where Pax Exam provides JUnit 4.12.
     *
     * @return the exception thrown, of the expected type
     */
    static <T extends Throwable> T expect(Class<T> type, Failing failing) {
        try {
            failing.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + t, t);
        }
        throw new AssertionError("expected " + type.getSimpleName() + " but nothing was thrown");
    }

    /** Waits up to {@code millis} for a condition that settles asynchronously (DS rebinding, FileInstall polling). */
    static boolean await(long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    /** What the userspace backend must report here, computed independently of its probe. */
    static boolean userspaceShouldBeAvailable() {
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        Path yama = Path.of("/proc/sys/kernel/yama/ptrace_scope");
        int scope = 0;
        try {
            scope = Files.exists(yama) ? Integer.parseInt(Files.readString(yama).trim()) : 0;
        } catch (IOException e) {
            scope = 3;
        }
        boolean root = System.getProperty("user.name").equals("root");
        return x86 && Files.isReadable(Path.of("/proc/self/pagemap")) && (scope <= 1 || scope == 2 && root);
    }
}
