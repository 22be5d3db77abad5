package io.quiesce.process.linux;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

/** This bundle's only native binding: glibc's posix_spawn family. */
public interface SpawnLibC extends Library {
    /** The loaded C library. */
    SpawnLibC INSTANCE = Native.load("c", SpawnLibC.class);

    /** posix_spawnattr flags (glibc). */
    short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    /** open(2) flags. */
    int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_APPEND = 02000;
    /** Sizes of opaque glibc types, rounded up generously (x86_64: 80, 336 and 128 bytes). */
    int FILE_ACTIONS_SIZE = 256, SPAWNATTR_SIZE = 512, SIGSET_SIZE = 128;

    int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr, StringArray argv, StringArray envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int oflag, int mode);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

    /** glibc ≥ 2.34: closes every descriptor from {@code from} up in the child (the JVM's fds must not leak). */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    /** glibc ≥ 2.29: chdir in the child before exec. */
    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    int sigemptyset(Pointer set);

    /** @return a zeroed native buffer of {@code size} bytes */
    static Memory buffer(int size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }
}
