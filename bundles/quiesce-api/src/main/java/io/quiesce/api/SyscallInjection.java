package io.quiesce.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A facility of a {@link FrozenProcess} (see {@link FrozenProcess#facility}): runs system calls inside the stopped
 * process, for what only the process itself can do, such as creating a socket in its descriptor table or moving a
 * descriptor to a given number. State that is shared with other descriptors of the same open file (a socket's
 * queues and options) is better read and changed from a duplicate taken with {@code pidfd_getfd(2)}, which needs no
 * injection.
 *
 * <p>The backend runs every call on its own tracer thread, so any thread may use this facility; calls on one
 * process are serialised. The process stays stopped throughout and runs none of its own code.
 */
@ProviderType
public interface SyscallInjection {

    /**
     * Prepares the stopped process for injected calls (a small scratch area is mapped into it). The process's
     * registers, signal mask and memory outside the scratch area are put back by {@link Scope#close()}.
     *
     * @return the scope of the calls; the caller always closes it
     * @throws CheckpointException when the process cannot be prepared (gone, not stopped)
     */
    Scope open() throws CheckpointException;

    /** The injected calls into one process between {@link SyscallInjection#open()} and {@link #close()}. */
    @ProviderType
    interface Scope extends AutoCloseable {

        /** @return the PID of the process, on this host */
        long pid();

        /** @return the address, inside the process, of a scratch buffer for syscall arguments (structs, strings) */
        long scratch();

        /** @return the scratch buffer's size in bytes (at least 2048) */
        int scratchSize();

        /**
         * Runs one system call in the process (x86_64 numbers and argument order).
         *
         * @param nr   the system call number
         * @param args up to six arguments
         * @return its raw result: a failure is a value between -4095 and -1 (minus the errno), not an exception
         * @throws CheckpointException when the process stopped unexpectedly or is gone
         */
        long syscall(int nr, long... args) throws CheckpointException;

        /**
         * @param address an address in the process
         * @param length  how many bytes
         * @return the bytes
         * @throws CheckpointException when the memory cannot be read
         */
        byte[] read(long address, int length) throws CheckpointException;

        /**
         * @param address an address in the process
         * @param data    the bytes to write there
         * @throws CheckpointException when the memory cannot be written
         */
        void write(long address, byte[] data) throws CheckpointException;

        /**
         * Unmaps the scratch area and puts the registers and signal mask back, so the process resumes where it was.
         *
         * @throws CheckpointException when the process could not be put back
         */
        @Override
        void close() throws CheckpointException;
    }
}
