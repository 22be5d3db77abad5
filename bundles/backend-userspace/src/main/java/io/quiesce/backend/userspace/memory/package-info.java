/**
 * Memory: mappings and pages, pagemap-driven page selection on dump; unmap, move vDSO, map and fill on restore.
 */
package io.quiesce.backend.userspace.memory;
