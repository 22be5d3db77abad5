package io.quiesce.backend.userspace.proc;

import io.quiesce.backend.userspace.linux.Syscalls;

/**
 * One line of /proc/PID/maps.
 *
 * @param start  first address
 * @param end    address past the last byte
 * @param perms  the four permission characters, e.g. {@code r-xp}
 * @param offset file offset of {@code start}
 * @param dev    device as {@code major:minor} in hex
 * @param inode  inode of the backing file, 0 when anonymous
 * @param path   backing file, pseudo-name ({@code [heap]}) or null when anonymous
 */
public record Vma(long start, long end, String perms, long offset, String dev, long inode, String path) {

    /** @return the mapping's length in bytes */
    public long length() {
        return end - start;
    }

    /** @return the PROT_* bits of {@link #perms} */
    public int prot() {
        return (perms.charAt(0) == 'r' ? Syscalls.PROT_READ : 0) | (perms.charAt(1) == 'w' ? Syscalls.PROT_WRITE : 0)
                | (perms.charAt(2) == 'x' ? Syscalls.PROT_EXEC : 0);
    }

    /** @return true for MAP_SHARED mappings ({@code s} in the fourth position) */
    public boolean shared() {
        return perms.charAt(3) == 's';
    }

    /** @return true for the kernel's special mappings, which are moved rather than copied */
    public boolean special() {
        return "[vdso]".equals(path) || "[vvar]".equals(path) || "[vvar_vclock]".equals(path) || "[vsyscall]".equals(path);
    }

    /** @return true for {@code [vsyscall]}, which sits at a fixed kernel address above the user range */
    public boolean vsyscall() {
        return "[vsyscall]".equals(path);
    }

    /** @return true when the mapping is backed by a file that can be opened by path */
    public boolean fileBacked() {
        return path != null && path.startsWith("/") && inode != 0 && !path.endsWith(" (deleted)");
    }

    /** @return true when the mapping was backed by a file since deleted */
    public boolean deletedFile() {
        return path != null && path.endsWith(" (deleted)");
    }

    /** @return true when no page can be read or written (guard regions, reserved address space) */
    public boolean protNone() {
        return prot() == 0;
    }

    /** @param addr an address; @return true when it lies in this mapping */
    public boolean contains(long addr) {
        return Long.compareUnsigned(addr, start) >= 0 && Long.compareUnsigned(addr, end) < 0;
    }
}
