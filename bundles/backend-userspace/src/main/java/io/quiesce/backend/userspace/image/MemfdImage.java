package io.quiesce.backend.userspace.image;

/**
 * A memfd (memfd_create(2)) that a descriptor of the job holds: its contents are saved once for the whole job, and
 * the restore creates it again under the same name (maps and fd links show {@code /memfd:NAME (deleted)}).
 *
 * @param inode    its inode at checkpoint time (the key its descriptors and mappings are matched by)
 * @param name     the name given to memfd_create, without the {@code /memfd:} prefix and the {@code (deleted)} suffix
 * @param size     its size (st_size)
 * @param seals    F_GET_SEALS at checkpoint time (F_SEAL_SEAL alone for a memfd made without MFD_ALLOW_SEALING)
 * @param dataFile the file holding its contents, relative to the image folder
 * @param mode     its permission bits (0777 from memfd_create, 0666 with MFD_NOEXEC_SEAL, or as fchmod set them);
 *                 null in images that did not record it (left as memfd_create makes it)
 */
public record MemfdImage(long inode, String name, long size, int seals, String dataFile, Integer mode) {
}
