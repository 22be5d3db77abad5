/**
 * Small parsers of /proc files. Each takes the /proc root as a parameter, so they are unit-tested on fixture trees.
 */
package io.quiesce.backend.userspace.proc;
