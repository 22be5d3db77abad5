/**
 * The backend's own image files: records written as JSON with a magic and a format version, files 0600 and fsynced.
 */
package io.quiesce.backend.userspace.image;
