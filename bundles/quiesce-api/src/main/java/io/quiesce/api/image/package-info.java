/**
 * The checkpoint image model: a manifest per checkpoint and one record kind per saved resource. Plain records
 * with no serialisation annotations; the platform writes them as JSON. Changes are additive only: a reader
 * ignores fields it does not know, and {@link io.quiesce.api.image.ImageFormat#VERSION} changes only when an old
 * reader could misread a new image.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.quiesce.api.image;
