package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;

/**
 * Walk-through step 1 again, from an RPM distribution: <b>a Fedora shell image</b>.
 *
 * <p>The same packages as {@link ShellImageDebianTest}, the same code: only {@code distro} changes,
 * and {@link Machine#packages()} asks rpm instead of dpkg. Fedora's images are built from Fedora's
 * mirrors, which not every host reaches. Where the mirror does not answer, bootimage says so before
 * mkosi starts, naming the mirror and the settings that change it ({@code bootimage.mirror.fedora},
 * {@code bootimage.repositories.fedora}). This suite sets {@code bootimage.unavailable=skip} in
 * {@code src/test/resources/junit-platform.properties}, so there the class is reported as skipped
 * with that message; with {@code -Dbootimage.unavailable=fail} it fails with it. It builds the default
 * release: the newest Fedora release whose key the host's distribution-gpg-keys holds.
 * {@link ShellImageRpmTest} runs everywhere: its RPM repository is made on the host.
 */
@BootImage(distro = "fedora",
        packages = {"bash", "coreutils", "util-linux", "systemd", "rpm"})
class ShellImageFedoraTest {

    @Test
    void packagesAreInstalledWithTheirFedoraVersions(Machine machine) {
        String release = machine.info().release();
        String systemd = machine.packages().version("systemd");
        assertTrue(systemd.matches("2\\d\\d\\.\\d+.*\\.fc" + release), () -> "Fedora " + release + " ships systemd 25x+, got " + systemd);
        assertTrue(machine.packages().isInstalled("util-linux"));
    }

    @Test
    void rpmKnowsItself(Machine machine) {
        // Here rpm is the package database: the image's packages were installed by dnf through it.
        assertTrue(machine.succeed("rpm", "-q", "rpm").startsWith("rpm-4."));
    }

    @Test
    void thereIsNoDpkg(Machine machine) {
        ExecResult r = machine.exec("dpkg-query", "-W", "rpm");
        assertEquals(127, r.exitCode(), () -> "dpkg-query is not part of a Fedora image: " + r);
    }

    @Test
    void osReleaseNamesTheDistribution(Machine machine) {
        Map<String, String> os = machine.osRelease();
        assertEquals("fedora", os.get("ID"));
        assertEquals(machine.info().release(), os.get("VERSION_ID"));
    }
}
