package io.quiesce.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.rules.TestWatcher;
import org.junit.runner.Description;

/**
 * The platforms and processes a test starts through bin/quiesce, each platform with a fresh home: after the test,
 * whatever happened, every platform is stopped (the last tracked first), every recorded process killed, then the
 * test's own clean-up run (a network namespace is deleted only once the platform in it has stopped). The homes
 * made by {@link #home} are deleted after a test that passed (they hold images of process memory, and a suite run
 * made hundreds); a failed test's are kept, with their logs, and named on stderr.
 */
final class Platforms extends TestWatcher {
    /** A clean-up step that may fail. */
    interface Step {
        void run() throws Exception;
    }

    private final String prefix;
    private final List<Cli> clients = new ArrayList<>();
    private final List<Long> pids = new ArrayList<>();
    private final List<Step> last = new ArrayList<>();
    private final List<Path> homes = new ArrayList<>();
    private boolean passed;

    Platforms(String prefix) {
        this.prefix = prefix;
    }

    /** @return a fresh home, whose platform is stopped after the test */
    Path home(String name) throws IOException {
        Path h = Files.createTempDirectory("quiesce-" + prefix + "-" + name + "-");
        clients.add(Cli.of(h));
        homes.add(h);
        return h;
    }

    /** @return {@code cli}, whose platform is stopped after the test (before those of plain homes) */
    Cli track(Cli cli) {
        clients.add(cli);
        return cli;
    }

    /** @param pid a process to kill after the test if it still runs */
    void kill(long pid) {
        pids.add(pid);
    }

    /** @param step runs after every platform stopped */
    void atEnd(Step step) {
        last.add(step);
    }

    static Cli.Run quiesce(Path home, String... args) throws IOException, InterruptedException {
        return Cli.of(home).run(args);
    }

    @Override
    protected void succeeded(Description description) {
        passed = true;
    }

    @Override
    protected void finished(Description description) {
        for (int i = clients.size() - 1; i >= 0; i--) {
            try {
                clients.get(i).run("stop");
            } catch (Exception | AssertionError e) {
                System.err.println("cannot stop the platform of " + clients.get(i).home() + ": " + e);
            }
        }
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Step s : last) {
            try {
                s.run();
            } catch (Exception e) {
                System.err.println("clean-up failed: " + e);
            }
        }
        for (Path h : homes) {
            if (!passed) {
                System.err.println(description.getDisplayName() + " failed: its platform's home is kept: " + h);
                continue;
            }
            try (java.util.stream.Stream<Path> walk = Files.walk(h)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                System.err.println("cannot delete " + h + ": " + e);
            }
        }
    }
}
