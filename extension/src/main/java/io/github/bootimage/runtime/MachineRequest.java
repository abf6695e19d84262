package io.github.bootimage.runtime;

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
 * @param project     the declaration's own mkosi project, or null for an image described by attributes (then
 *                    {@code spec} is final only once {@link BootImageRuntime#resolve} has read the project)
 */
public record MachineRequest(ImageSpec spec, Boot boot, Transport transport, Duration bootTimeout, String owner,
                             ProjectRequest project) {

    public MachineRequest(ImageSpec spec, Boot boot, Transport transport, Duration bootTimeout, String owner) {
        this(spec, boot, transport, bootTimeout, owner, null);
    }

    /** What the request builds, for messages: the project directory or the spec's label. */
    public String label() {
        return project == null ? spec.label()
                : project.settings() == null ? project.project().entry() : spec.label() + " from " + project.project().entry();
    }
}
