package io.github.bootimage;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a booted machine is: for logs, reports and debugging.
 *
 * @param name        unique machine name on this host
 * @param distro      distribution (mkosi name)
 * @param release     release
 * @param boot        the backend actually used (never AUTO)
 * @param transport   the transport actually used (never AUTO)
 * @param accelerator for qemu "kvm" or "tcg"; for nspawn "container"
 * @param image       the cached image the machine booted from
 * @param sshPort     the machine's SSH port on 127.0.0.1, or 0 when it has none
 * @param bootTime    time from starting the backend to the first command answered
 * @param network     "" (isolated), "host", or the named network the machine joined
 * @param addresses   the machine's address on each named network it joined, by network name
 */
public record MachineInfo(String name, String distro, String release, Boot boot, Transport transport,
                          String accelerator, Path image, int sshPort, Duration bootTime, String network,
                          java.util.Map<String, String> addresses) {
    public MachineInfo {
        network = network == null ? "" : network;
        addresses = addresses == null ? java.util.Map.of() : java.util.Map.copyOf(addresses);
    }

    /** An isolated machine's information (no named network). */
    public MachineInfo(String name, String distro, String release, Boot boot, Transport transport,
                       String accelerator, Path image, int sshPort, Duration bootTime) {
        this(name, distro, release, boot, transport, accelerator, image, sshPort, bootTime, "", java.util.Map.of());
    }
}
