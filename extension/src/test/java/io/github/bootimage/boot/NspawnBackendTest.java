package io.github.bootimage.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.process.HostTools;

class NspawnBackendTest {

    @Test
    void withoutRootSuggestsQemu(@TempDir Path dir) {
        NspawnBackend b = new NspawnBackend(HostTools.fromEnvironment(null, true), 1000, () -> 1000);
        Image image = new Image(dir, ImageSpec.of("debian", "bookworm"), "k");
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> b.start(image, new GuestOptions("m1", dir.resolve("w"), 0, null, Duration.ofSeconds(5))));
        assertEquals("Cannot boot debian:bookworm with systemd-nspawn: systemd-nspawn needs root, and this JVM runs as uid 1000."
                + " Run the tests as root, or use boot = Boot.QEMU (or -Dbootimage.boot=qemu), which needs no privileges.", e.getMessage());
    }

    @Test
    void missingNspawnNamesItsPackage(@TempDir Path dir) {
        NspawnBackend b = new NspawnBackend(new HostTools(dir.toString()), 1000, () -> 0);
        assertTrue(b.unusableReason().startsWith("'systemd-nspawn' is not installed (not found on PATH), but it is needed to boot"
                + " images as containers. Install the Debian package 'systemd-container'"), b.unusableReason());
    }

    @Test
    void anIsolatedContainerRunsInTheNamespaceBootimageMade(@TempDir Path dir) {
        NspawnBackend b = new NspawnBackend(new HostTools("/usr/bin"), 1000, () -> 0);
        Image image = new Image(dir, ImageSpec.of("debian", "bookworm"), "k");
        io.github.bootimage.boot.net.GuestNetwork net = new io.github.bootimage.boot.net.GuestNetwork() {
            public io.github.bootimage.boot.net.NetworkRequest request() {
                return io.github.bootimage.boot.net.NetworkRequest.DEFAULT;
            }
            public String netnsPath() {
                return "/run/netns/bi-x";
            }
            public String hostname() {
                return "server";
            }
            public Path hostsFile() {
                return dir.resolve("hosts");
            }
            public int hostPort(int guestPort) {
                return 0;
            }
            public void setLinksDown(boolean down) {
            }
            public java.util.Map<String, String> addresses() {
                return java.util.Map.of();
            }
            public List<String> reaperLines() {
                return List.of();
            }
            public void close() {
            }
        };
        List<String> cmd = b.command(image, new GuestOptions("bi-x", dir.resolve("w"), 0, null, Duration.ofSeconds(5), null, net));
        assertTrue(cmd.contains("--network-namespace-path=/run/netns/bi-x"), cmd::toString);
        assertTrue(cmd.contains("--hostname=server"), cmd::toString);
        assertTrue(cmd.contains("--bind-ro=" + dir.resolve("hosts") + ":/etc/hosts"), cmd::toString);
        assertTrue(cmd.contains("--bind-ro=" + dir.resolve("w/hostname") + ":/etc/hostname"), cmd::toString);
        List<String> onHost = b.command(image, new GuestOptions("bi-x", dir.resolve("w"), 0, null, Duration.ofSeconds(5)));
        assertFalse(String.join(" ", onHost).contains("network-namespace"), onHost::toString);
    }

    @Test
    void commandLineKeepsTheImagePristineAndWorksWithoutSystemdAsInit(@TempDir Path dir) {
        NspawnBackend b = new NspawnBackend(new HostTools("/usr/bin"), 1000, () -> 0);
        Image image = new Image(dir, ImageSpec.of("debian", "bookworm").withSsh(true), "k");
        List<String> cmd = b.command(image, new GuestOptions("bi-x", dir.resolve("w"), 2222, "ssh-ed25519 AAAA test", Duration.ofSeconds(5)));
        assertTrue(cmd.contains("--volatile=overlay"), cmd::toString);
        assertTrue(cmd.contains("--machine=bi-x"), cmd::toString);
        assertTrue(cmd.contains("--set-credential=ssh.authorized_keys.root:ssh-ed25519 AAAA test"), cmd::toString);
        assertTrue(cmd.contains("--bind-ro=" + dir.resolve("w/ssh.socket.d") + ":/etc/systemd/system/ssh.socket.d"), cmd::toString);
        assertEquals("systemd.firstboot=off", cmd.get(cmd.size() - 1));
        if (!HostCapabilities.systemdIsInit()) {
            assertTrue(cmd.containsAll(List.of("--register=no", "--keep-unit")), cmd::toString);
        }
    }
}
