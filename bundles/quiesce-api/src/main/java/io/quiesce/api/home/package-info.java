/**
 * The platform's rules for trusting its home ({@code $QUIESCE_HOME}) and the files in it, shared by the platform
 * and the {@code bin/quiesce} client: what another user could have prepared is refused, never followed or chmodded.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.quiesce.api.home;
