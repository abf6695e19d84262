package io.github.bootimage.internal;

import java.time.Duration;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;

/**
 * Everything needed to boot one machine.
 *
 * @param spec        the image (before the backend adds a kernel or the transport an SSH server)
 * @param boot        the requested backend (AUTO allowed)
 * @param transport   the requested transport (AUTO allowed)
 * @param bootTimeout null for the configured default
 * @param owner       who asked, for logs and diagnostics (a test's display name)
 */
public record MachineRequest(ImageSpec spec, Boot boot, Transport transport, Duration bootTimeout, String owner) {
}
