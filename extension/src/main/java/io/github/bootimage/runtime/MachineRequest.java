package io.github.bootimage.runtime;

import java.time.Duration;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.boot.net.NetworkRequest;
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
 * @param network     how the machine is networked (never null: isolated by default)
 */
public record MachineRequest(ImageSpec spec, Boot boot, Transport transport, Duration bootTimeout, String owner,
                             ProjectRequest project, NetworkRequest network) {

    public MachineRequest {
        network = network == null ? NetworkRequest.DEFAULT : network;
    }

    public MachineRequest(ImageSpec spec, Boot boot, Transport transport, Duration bootTimeout, String owner) {
        this(spec, boot, transport, bootTimeout, owner, null, null);
    }

    public MachineRequest(ImageSpec spec, Boot boot, Transport transport, Duration bootTimeout, String owner,
                          ProjectRequest project) {
        this(spec, boot, transport, bootTimeout, owner, project, null);
    }

    /** The same request with other networking. */
    public MachineRequest withNetwork(NetworkRequest n) {
        return new MachineRequest(spec, boot, transport, bootTimeout, owner, project, n);
    }

    /** What the request builds, for messages: the project directory or the spec's label. */
    public String label() {
        return project == null ? spec.label()
                : project.settings() == null ? project.project().entry() : spec.label() + " from " + project.project().entry();
    }
}
