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
 */
public record GuestOptions(String name, Path workDir, int sshPort, String authorizedKey, Duration bootTimeout) {
}
