package io.quiesce.backend.userspace;

import static io.quiesce.backend.userspace.Scenarios.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.quiesce.api.CheckpointSession;
import io.quiesce.api.DumpResult;
import io.quiesce.api.NotSupportedException;
import io.quiesce.api.image.ImageFormat;
import io.quiesce.backend.userspace.image.EpollImage;
import io.quiesce.backend.userspace.image.EventFdImage;
import io.quiesce.backend.userspace.image.FdImage;
import io.quiesce.backend.userspace.image.ImageFiles;
import io.quiesce.backend.userspace.image.InotifyImage;
import io.quiesce.backend.userspace.image.ProcessImage;
import io.quiesce.backend.userspace.image.TimerFdImage;
import io.quiesce.backend.userspace.linux.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Test;

/**
 * The event and notification descriptors (eventfd, timerfd, signalfd, epoll, inotify) and directory / O_PATH
 * descriptors: each scenario checks its own state at every SIGUSR1, before a checkpoint, after a checkpoint that
 * resumes, and after a kill and restart.
 */
public class EventFdsTest extends EngineTest {
    private static List<FdImage> ofKind(ProcessImage image, String kind) {
        return image.fds().stream().filter(f -> kind.equals(f.kind())).collect(Collectors.toList());
    }

    @Test
    public void eventfdKeepsCounterSemaphoreFlagsAndSharing() throws Exception {
        Run r = cycle("eventfd00", "eventfd");
        List<FdImage> e = ofKind(r.image(), FdImage.EVENTFD);
        assertEquals(3, e.size());
        assertEquals(new EventFdImage(5, true), e.get(0).object());
        assertEquals("the dup is the same description", e.get(0).share(), e.get(1).share());
        assertEquals(new EventFdImage(0x100000005L, false), e.get(2).object());
    }

    @Test
    public void timerfdKeepsPeriodTimeLeftDeadlineAndUnreadExpirations() throws Exception {
        Run r = cycle("timerfd00", "timerfd");
        List<FdImage> t = ofKind(r.image(), FdImage.TIMERFD);
        assertEquals(5, t.size());
        TimerFdImage unread = (TimerFdImage) t.get(3).object();
        assertEquals("the expired one-shot's expiration was unread", 1, unread.ticks());
        TimerFdImage abs = (TimerFdImage) t.get(2).object();
        assertEquals(TimerFdImage.TFD_TIMER_ABSTIME, abs.settimeFlags());
        assertTrue(abs.toString(), abs.deadlineNanos() > 0);
    }

    @Test
    public void signalfdKeepsMaskAndFlags() throws Exception {
        cycle("signalfd00", "signalfd");
    }

    @Test
    public void epollKeepsItsInterestListWithFlagsNestedEpollAndDisarmedOneshot() throws Exception {
        Run r = cycle("epoll00", "epoll");
        // the edge-triggered pipe's edge was consumed before the checkpoint: a resumed epoll does not report it again,
        // a restored one does, once (EPOLL_CTL_ADD polls the file), and then only new edges
        List<String> edges = Scenarios.lines(root().resolve("epoll00.out")).stream().filter(l -> l.startsWith("epoll edge-first="))
                .toList();
        List<String> after = edges.stream().filter(l -> l.endsWith(" pid=" + r.pid())).toList();
        assertTrue(edges.toString(), edges.stream().filter(l -> !after.contains(l)).allMatch(l -> l.startsWith("epoll edge-first=0 ")));
        assertTrue(edges.toString(), after.get(0).startsWith("epoll edge-first=1 "));
        assertTrue(edges.toString(), after.stream().skip(1).allMatch(l -> l.startsWith("epoll edge-first=0 ")));
        List<FdImage> eps = ofKind(r.image(), FdImage.EPOLL);
        assertEquals(2, eps.size());
        List<EpollImage.Target> outer = ((EpollImage) eps.get(0).object()).targets();
        assertEquals(outer.toString(), 4, outer.size());
        assertTrue(outer.toString(), outer.stream().anyMatch(t -> t.data() == 11 && (t.events() & 0x80000000) != 0));
        // a oneshot that fired keeps only its flags: re-added disarmed
        assertTrue(outer.toString(), outer.stream().anyMatch(t -> t.data() == 33 && t.events() == 0x40000000));
    }

    @Test
    public void epollRegistrationOfAClosedDescriptorIsRefusedByPidAndFd() throws Exception {
        Path out = root().resolve("stale.out");
        int pid = start("epoll00", out, "stale");
        await(out, l -> l.startsWith("epoll ready"), 5000);
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pid))) {
            s.freeze();
            try {
                s.dump(Scenarios.staging(root()));
                fail("a registration under a closed number was dumped");
            } catch (NotSupportedException e) {
                assertTrue(e.getMessage(), e.getMessage().matches("process " + pid + " fd 3 \\(epoll\\): its registration of fd 6 .*"));
            }
            s.resume();
        }
        check(out, "epoll", pid);
    }

    @Test
    public void inotifyKeepsWatchNumbersAndWarnsOfUnreadEvents() throws Exception {
        Path dir = Files.createDirectory(root().resolve("watched"));
        Run r = cycle("inotify00", "inotify", dir.toString());
        InotifyImage in = (InotifyImage) ofKind(r.image(), FdImage.INOTIFY).get(0).object();
        assertEquals(List.of(1, 2, 4), in.watches().stream().map(InotifyImage.Watch::wd).toList());
        assertEquals(dir.resolve("c").toString(), in.watches().get(2).path());
        assertTrue(r.warnings().toString(), r.warnings().stream().anyMatch(w -> w.contains("(inotify)") && w.contains("not yet read")));
    }

    @Test
    public void inotifyWatchOnAPathTheProcessNamesNowhereIsFoundByItsHandleOrRefused() throws Exception {
        Path dir = Files.createDirectory(root().resolve("deep"));
        if (System.getProperty("user.name").equals("root")) { // open_by_handle_at needs CAP_DAC_READ_SEARCH
            Run r = cycle("inotify00", "inotify", dir.toString(), "deep");
            InotifyImage in = (InotifyImage) ofKind(r.image(), FdImage.INOTIFY).get(0).object();
            assertEquals(dir.resolve("s/t/u").toString(), in.watches().get(3).path());
            assertEquals(5, in.watches().get(3).wd());
            return;
        }
        Path out = root().resolve("deep.out");
        int pid = start("inotify00", out, dir.toString(), "deep");
        await(out, l -> l.startsWith("inotify ready"), 5000);
        try (CheckpointSession s = backend.openCheckpoint(Scenarios.job(root(), pid))) {
            s.freeze();
            try {
                s.dump(Scenarios.staging(root()));
                fail("a watch without a path was dumped");
            } catch (NotSupportedException e) {
                assertTrue(e.getMessage(), e.getMessage().matches("process " + pid + " fd 3 \\(inotify\\): watch 5 on inode \\d+ .*"));
            }
            s.resume();
        }
        check(out, "inotify", pid);
    }

    @Test
    public void directoryAndOpathDescriptorsKeepPositionAndFlags() throws Exception {
        Path dir = Files.createDirectory(root().resolve("listed"));
        Run r = cycle("dirfd00", "dirfd", dir.toString());
        FdImage d = ofKind(r.image(), FdImage.DIRECTORY).get(0);
        assertTrue("read part way: " + d, d.offset() != 0);
        assertEquals(2, ofKind(r.image(), FdImage.PATH).size());
    }

    @Test
    public void eventLoopServerWithPipesAndTwoClientsSurvivesContinueAndRestart() throws Exception {
        Path out = root().resolve("evloop.out");
        int server = start("evloop00", out, "pipe", "300");
        int[] pids = { server, clientPid(out, 0), clientPid(out, 1) };
        others.add(pids[1]);
        others.add(pids[2]);
        await(out, l -> l.startsWith("client 1 n=40 "), 10000);
        checkpoint(false, pids);
        await(out, l -> l.startsWith("client 1 n=80 "), 10000);
        Path folder = checkpoint(true, pids);
        ProcessImage image = ImageFiles.readProcess(folder.resolve("process-" + server + ".json"));
        List<EpollImage.Target> targets = ((EpollImage) ofKind(image, FdImage.EPOLL).get(0).object()).targets();
        assertEquals(targets.toString(), 4, targets.size());
        List<Long> restored = restore(folder);
        String ok = await(out, l -> l.startsWith("evloop ok") || l.contains("MISMATCH") || l.contains("EOF"), 30000);
        assertTrue(ok, ok.startsWith("evloop ok requests=600 "));
        assertTrue(Scenarios.lines(out).stream().anyMatch(l -> l.startsWith("client 0 ") && l.endsWith(" pid=" + restored.get(1))));
    }

    private static int clientPid(Path out, int c) throws Exception {
        String l = await(out, x -> x.startsWith("server client " + c + "="), 5000);
        return Integer.parseInt(l.substring(l.indexOf('=') + 1));
    }
}
