package io.quiesce.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.LaunchSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class SpawnerTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** Waits for a child without the JDK's reaper (ProcessHandle.onExit polls; the exit code comes from /proc). */
    private static int reap(long pid) {
        int[] status = new int[1];
        assertEquals(pid, TestLibC.INSTANCE.waitpid((int) pid, status, 0));
        return (status[0] >> 8) & 0xff;
    }

    interface TestLibC extends com.sun.jna.Library {
        TestLibC INSTANCE = com.sun.jna.Native.load("c", TestLibC.class);

        int waitpid(int pid, int[] status, int options);
    }

    @Test
    public void childGetsCleanDescriptorsSignalsSessionCwdAndEnvironment() throws CheckpointException, IOException {
        Path out = tmp.getRoot().toPath().resolve("out.log");
        Path cwd = tmp.newFolder("work").toPath();
        String script = "echo \"X=$X\"; echo cwd=$(pwd); ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; "
                + "grep -E '^(SigBlk|SigIgn)' /proc/self/status; cut -d' ' -f1,6 /proc/self/stat; echo err >&2";
        long pid = Spawner.spawn(new LaunchSpec(List.of("sh", "-c", script), Map.of("X", "42", "PATH", "/usr/bin:/bin"), cwd, out, out));
        assertEquals(0, reap(pid));
        List<String> lines = Files.readAllLines(out);
        assertEquals("X=42", lines.get(0));
        assertEquals("cwd=" + cwd, lines.get(1));
        // fds of the shell itself: 0 1 2 plus the one ls opens for /proc/self/fd; none of the JVM's leaked
        assertEquals("0 1 2 3 ", lines.get(2));
        assertEquals("SigBlk:\t0000000000000000", lines.get(3));
        assertEquals("SigIgn:\t0000000000000000", lines.get(4));
        assertTrue("err line appended to the same file", lines.contains("err"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    public void sessionLeaderIsTheSpawnedShell() throws CheckpointException, IOException {
        Path out = tmp.getRoot().toPath().resolve("sid.log");
        long pid = Spawner.spawn(new LaunchSpec(List.of("/bin/sh", "-c", "cut -d' ' -f6 /proc/$$/stat"), Map.of(),
                tmp.getRoot().toPath(), out, out));
        reap(pid);
        assertEquals(Long.toString(pid), Files.readString(out).trim());
    }

    @Test
    public void missingProgramsAreNamedWithErrno() {
        Path cwd = tmp.getRoot().toPath();
        CheckpointException onPath = assertThrows(CheckpointException.class,
                () -> Spawner.resolve("no-such-program-here", "/usr/bin:/bin", cwd));
        assertEquals("ENOENT", onPath.errno());
        assertTrue(onPath.getMessage(), onPath.getMessage().contains("no-such-program-here") && onPath.getMessage().contains("/usr/bin:/bin"));
        assertThrows(CheckpointException.class, () -> Spawner.resolve("./missing", null, cwd));
    }

    @Test
    public void nonExecutableFileIsRefused() throws IOException {
        Path f = tmp.newFile("script.sh").toPath();
        CheckpointException e = assertThrows(CheckpointException.class, () -> Spawner.resolve(f.toString(), null, f.getParent()));
        assertEquals("EACCES", e.errno());
    }

    @Test
    public void programsAreFoundOnTheJobsPathNotThePlatforms() throws CheckpointException, IOException {
        Path bin = tmp.newFolder("mybin").toPath();
        Path tool = bin.resolve("mytool");
        Files.writeString(tool, "#!/bin/sh\necho mine\n");
        tool.toFile().setExecutable(true);
        assertEquals(tool.toString(), Spawner.resolve("mytool", bin + ":/usr/bin", tmp.getRoot().toPath()));
    }
}
