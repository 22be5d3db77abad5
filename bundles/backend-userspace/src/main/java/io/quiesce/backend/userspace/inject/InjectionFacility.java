package io.quiesce.backend.userspace.inject;

import io.quiesce.api.CheckpointException;
import io.quiesce.api.SyscallInjection;
import io.quiesce.backend.userspace.memory.ProcessMemory;
import io.quiesce.backend.userspace.seize.Tracee;
import io.quiesce.backend.userspace.seize.Tracer;
import java.nio.file.Path;

/**
 * The {@link SyscallInjection} facility this backend offers fabrics for a process it holds stopped. Every call is
 * handed to the session's tracer thread, the only thread whose ptrace calls the kernel accepts for the tracee.
 */
public final class InjectionFacility implements SyscallInjection {
    /** Fabric buffers start after the injector's own code and clone3 area. */
    private static final int FABRIC_AREA = SyscallInjector.OUT;

    private final Tracer tracer;
    private final Tracee tracee;
    private final Path proc;

    /**
     * @param tracer the session's tracer thread
     * @param tracee the stopped process
     * @param proc   the /proc root
     */
    public InjectionFacility(Tracer tracer, Tracee tracee, Path proc) {
        this.tracer = tracer;
        this.tracee = tracee;
        this.proc = proc;
    }

    @Override
    public Scope open() throws CheckpointException {
        return tracer.call(() -> {
            ProcessMemory memory = new ProcessMemory(proc, tracee.tid());
            try {
                return new InjectedScope(SyscallInjector.openSeized(tracee, memory, proc), memory);
            } catch (CheckpointException | RuntimeException e) {
                memory.close();
                throw e;
            }
        });
    }

    private final class InjectedScope implements Scope {
        private final SyscallInjector inj;
        private final ProcessMemory memory;
        private boolean closed;

        InjectedScope(SyscallInjector inj, ProcessMemory memory) {
            this.inj = inj;
            this.memory = memory;
        }

        @Override
        public long pid() {
            return tracee.tid();
        }

        @Override
        public long scratch() {
            return inj.scratch() + FABRIC_AREA;
        }

        @Override
        public int scratchSize() {
            return SyscallInjector.SCRATCH_SIZE - FABRIC_AREA;
        }

        @Override
        public long syscall(int nr, long... args) throws CheckpointException {
            return tracer.call(() -> {
                requireOpen();
                return inj.call(nr, args);
            });
        }

        @Override
        public byte[] read(long address, int length) throws CheckpointException {
            return tracer.call(() -> {
                requireOpen();
                return memory.read(address, length);
            });
        }

        @Override
        public void write(long address, byte[] data) throws CheckpointException {
            tracer.call(() -> {
                requireOpen();
                memory.write(address, data);
                return null;
            });
        }

        private void requireOpen() throws CheckpointException {
            if (closed) {
                throw new CheckpointException("injection into process " + tracee.tid() + " was already closed");
            }
        }

        @Override
        public void close() throws CheckpointException {
            tracer.call(() -> {
                if (!closed) {
                    closed = true;
                    try {
                        inj.finishAsOpenedSeized();
                    } finally {
                        memory.close();
                    }
                }
                return null;
            });
        }
    }
}
