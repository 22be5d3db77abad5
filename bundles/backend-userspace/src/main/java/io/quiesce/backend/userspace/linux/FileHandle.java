package io.quiesce.backend.userspace.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * {@code struct file_handle} with room for the largest handle (MAX_HANDLE_SZ, 128 bytes): the argument of
 * open_by_handle_at(2), filled from the {@code fhandle-bytes}, {@code fhandle-type} and {@code f_handle} that
 * fdinfo shows for an inotify watch.
 */
@FieldOrder({ "handleBytes", "handleType", "handle" })
public class FileHandle extends Structure {
    /** MAX_HANDLE_SZ. */
    public static final int MAX = 128;
    /** handle_bytes: how many bytes of {@link #handle} are used. */
    public int handleBytes;
    /** handle_type: the filesystem's handle type. */
    public int handleType;
    /** f_handle: the opaque handle. */
    public byte[] handle = new byte[MAX];

    public FileHandle(int type, byte[] bytes) {
        handleBytes = bytes.length;
        handleType = type;
        System.arraycopy(bytes, 0, handle, 0, Math.min(bytes.length, MAX));
        write();
    }
}
