package io.quiesce.coordinator;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.Rendezvous;
import io.quiesce.api.image.Manifest;
import io.quiesce.coordinator.store.PartCopy;
import io.quiesce.coordinator.store.PartFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The coordinator's relay of a host part between two agents' real stores (each a {@link LocalAgent} as on an agent
 * host; only the link between them is left out): reads run ahead of the writes, the writes stay in order, and a
 * source that sends a wrong length fails the copy with nothing of it in place.
 */
public class PartTransferTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private PartFixture f;
    private LocalAgent holder;
    private LocalAgent target;

    private static final LocalAgent.Platform NO_JOBS = new LocalAgent.Platform() {
        @Override
        public io.quiesce.api.CheckpointBackend backend(String name) throws CheckpointException {
            throw new CheckpointException("no backends here");
        }

        @Override
        public io.quiesce.api.Fabric fabric(String name) throws CheckpointException {
            throw new CheckpointException("no fabrics here");
        }

        @Override
        public io.quiesce.api.HostJob piece(String jobId, boolean saveFiles) throws CheckpointException {
            throw new CheckpointException("no jobs here");
        }

        @Override
        public Path jobFolder(String jobId, String jobName) throws CheckpointException {
            throw new CheckpointException("no jobs here");
        }
    };

    @Before
    public void setUp() throws Exception {
        f = new PartFixture(tmp.getRoot().toPath());
        holder = new LocalAgent("h2", NO_JOBS, f.from, null, null, true);
        target = new LocalAgent("h1", NO_JOBS, f.to, null, null, true);
    }

    /** The holder, its reads changed by {@code reads}. */
    private HostAgent holderWith(java.util.function.UnaryOperator<PartTransfer.Source> reads) {
        return new HostAgent() {
            @Override
            public String host() {
                return holder.host();
            }

            @Override
            public HostCheckpoint prepare(CheckpointPlan plan) throws CheckpointException {
                return holder.prepare(plan);
            }

            @Override
            public HostRestart openRestart(RestartPlan plan, Rendezvous rendezvous) throws CheckpointException {
                return holder.openRestart(plan, rendezvous);
            }

            @Override
            public PartTransfer.Source sendPart(Path checkpoint, Manifest manifest, String part) throws CheckpointException {
                return reads.apply(holder.sendPart(checkpoint, manifest, part));
            }

            @Override
            public PartTransfer.Sink receivePart(Path checkpoint, Manifest manifest, String part) throws CheckpointException {
                return holder.receivePart(checkpoint, manifest, part);
            }
        };
    }

    @Test
    public void readsRunAheadOfTheWritesAndThePartArrivesWhole() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch twoAtOnce = new CountDownLatch(2);
        HostAgent slow = holderWith(s -> new PartTransfer.Source() {
            @Override
            public byte[] read(String name, long offset) throws CheckpointException {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    twoAtOnce.countDown();
                    twoAtOnce.await(5, TimeUnit.SECONDS); // the first read waits for a second one: a relay that reads one at a time waits 5 s here
                    return s.read(name, offset);
                } catch (InterruptedException e) {
                    throw new CheckpointException("interrupted");
                } finally {
                    inFlight.decrementAndGet();
                }
            }

            @Override
            public void close() {
                s.close();
            }
        });
        PartTransfer.Copied c = PartTransfer.copy(f.manifest, "h2", () -> slow, target, null);
        assertFalse(c.wasPresent());
        assertEquals(f.pages.length + "{\"sockets\":[]}".length(), c.bytes());
        assertTrue("reads overlapped: " + most.get(), most.get() >= 2);
        Path placed = f.to.committedRemotePart("9", 3, "h2");
        assertArrayEquals(f.pages, Files.readAllBytes(placed.resolve("pages-5.img")));
        assertEquals("{\"sockets\":[]}", Files.readString(placed.resolve("fabric/tcp.json")));
        assertTrue("a second copy finds it present", PartTransfer.copy(f.manifest, "h2", () -> slow, target, null).wasPresent());
    }

    @Test
    public void aSourceThatSendsAShortChunkFailsTheCopyAndNothingStays() throws Exception {
        HostAgent shortReads = holderWith(s -> new PartTransfer.Source() {
            @Override
            public byte[] read(String name, long offset) throws CheckpointException {
                byte[] b = s.read(name, offset);
                return offset == PartCopy.CHUNK ? java.util.Arrays.copyOf(b, b.length - 1) : b;
            }

            @Override
            public void close() {
                s.close();
            }
        });
        CheckpointException e = assertThrows(CheckpointException.class, () -> PartTransfer.copy(f.manifest, "h2", () -> shortReads, target, null));
        assertTrue(e.getMessage(), e.getMessage().contains("host h2 sent " + (PartCopy.CHUNK - 1) + " bytes of h2/pages-5.img at offset " + PartCopy.CHUNK));
        assertThrows("nothing in place", java.io.IOException.class, () -> f.to.committedRemotePart("9", 3, "h2"));
        assertThrows("nothing staged", java.io.IOException.class, () -> f.to.stagedRemotePart("9", 3, "h2"));
    }
}
