package io.quiesce.coordinator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.LaunchSpec;
import io.quiesce.process.Spawner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** The reaper against real children: it reports exits, and never waits on a child a backend holds. */
public class ChildReaperTest {

    private static long spawn(String script) throws Exception {
        Path devNull = Path.of("/dev/null");
        return Spawner.spawn(new LaunchSpec(List.of("/bin/sh", "-c", script), Map.of(), Path.of("/"), devNull, devNull));
    }

    private static boolean zombie(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    private static void awaitPasses(ChildReaper reaper, int n) throws InterruptedException {
        long until = reaper.passes() + n;
        while (reaper.passes() < until) {
            Thread.sleep(5);
        }
    }

    @Test(timeout = 30000)
    public void reportsTheExitStatusOfAWatchedChild() throws Exception {
        try (ChildReaper reaper = new ChildReaper()) {
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            reaper.watch(spawn("exit 3"), exit::complete);
            assertEquals(3, (int) exit.get(20, TimeUnit.SECONDS));
            CompletableFuture<Integer> killed = new CompletableFuture<>();
            reaper.watch(spawn("kill -KILL $$"), killed::complete);
            assertEquals(128 + 9, (int) killed.get(20, TimeUnit.SECONDS));
        }
    }

    @Test(timeout = 30000)
    public void aHeldChildIsNotWaitedOnUntilReleased() throws Exception {
        try (ChildReaper reaper = new ChildReaper()) {
            long pid = spawn("exit 5");
            reaper.hold(pid);
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            reaper.watch(pid, exit::complete);
            while (!zombie(pid)) {
                Thread.sleep(5);
            }
            awaitPasses(reaper, 3);
            assertTrue("a held child stays unreaped (a wait on it would take a tracer's stops)", zombie(pid) && !exit.isDone());
            reaper.release(pid);
            assertEquals(5, (int) exit.get(20, TimeUnit.SECONDS));
        }
    }
}
