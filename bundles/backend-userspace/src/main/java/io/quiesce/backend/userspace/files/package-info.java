/**
 * File descriptors: classification, saving by path and offset, reopening in the rebuilt process.
 */
package io.quiesce.backend.userspace.files;
