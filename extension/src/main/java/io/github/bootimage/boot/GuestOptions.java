package io.github.bootimage.boot;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a backend needs to start one guest besides the image.
 *
 * @param name          unique machine name on this host
 * @param workDir       a private directory for this machine (overlays, disks, sockets), removed on close
 * @param sshPort       the port the guest's sshd listens on (127.0.0.1 only), or 0 for none
 * @param authorizedKey the public key authorised for root, or null
 * @param bootTimeout   how long booting may take
 * @param agentChannel  the agent's own channel to connect to the guest, or null for the console fallback
 * @param network       the machine's networking, or null for the host's network (nspawn) or qemu's unrestricted
 *                      user network
 */
public record GuestOptions(String name, Path workDir, int sshPort, String authorizedKey, Duration bootTimeout,
                           AgentChannel agentChannel, io.github.bootimage.boot.net.GuestNetwork network) {
    public GuestOptions(String name, Path workDir, int sshPort, String authorizedKey, Duration bootTimeout,
                        AgentChannel agentChannel) {
        this(name, workDir, sshPort, authorizedKey, bootTimeout, agentChannel, null);
    }

    /** Options without an agent channel (the agent runs on the console). */
    public GuestOptions(String name, Path workDir, int sshPort, String authorizedKey, Duration bootTimeout) {
        this(name, workDir, sshPort, authorizedKey, bootTimeout, null);
    }
}
