package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class ImageSpecTest {

    @Test
    void unknownDistroListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSpec.of("slackware", ""));
        assertEquals("Unknown distribution 'slackware'. Known distributions: debian, ubuntu, fedora, centos, rhel-ubi, "
                + "rhel, alma, rocky, arch, opensuse", e.getMessage());
    }

    @Test
    void unknownReleaseListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSpec.of("debian", "potato"));
        assertEquals("Unknown release 'potato' of distribution debian. Known releases: bullseye, bookworm, trixie, testing, sid",
                e.getMessage());
    }

    @Test
    void everyRegisteredDistroKnowsWhatAGuestNeeds() {
        for (Distro d : Distro.all()) {
            assertTrue(d.bootPackages().contains("systemd"), d.name());
            assertTrue(d.releases().contains(d.defaultRelease()), d.name());
            assertTrue(!d.kernelPackages().isEmpty() && !d.sshPackages().isEmpty(), d.name());
        }
        assertEquals(PackageManager.PACMAN, Distro.of("arch").packageManager());
        assertEquals(PackageManager.RPM, Distro.of("rhel-ubi").packageManager());
        assertEquals(PackageManager.DPKG, Distro.of("ubuntu").packageManager());
    }

    @Test
    void perDistroEntriesAndCommonNames() {
        assertEquals(List.of("apache2", "rpm"), ImageSpec.of("debian", "").withPackages("apache", "fedora:httpd", "rpm").packages());
        assertEquals(List.of("httpd", "rpm"), ImageSpec.of("fedora", "").withPackages("apache", "debian:apache2", "rpm").packages());
        assertEquals(List.of("apache"), ImageSpec.of("arch", "").withPackages("apache").packages());
        assertEquals(List.of("curl"), ImageSpec.of("debian", "").withPackages("curl", " curl ").packages(), "deduplicated, trimmed");
    }

    @Test
    void emptyPackageEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "").withPackages("curl", " "));
        assertEquals("@BootImage packages entry #2 is empty: remove it or name a package", e.getMessage());
    }

    @Test
    void malformedPackageEntries() {
        IllegalArgumentException spaces = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "").withPackages("curl wget"));
        assertTrue(spaces.getMessage().startsWith("@BootImage packages entry 'curl wget' is malformed"), spaces.getMessage());
        assertTrue(spaces.getMessage().contains("give one package per entry"), spaces.getMessage());
        IllegalArgumentException prefix = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "").withPackages("gentoo:vim"));
        assertTrue(prefix.getMessage().contains("'gentoo' before ':' is not a known distribution"), prefix.getMessage());
        IllegalArgumentException shell = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "").withPackages("vim;rm"));
        assertTrue(shell.getMessage().contains("is malformed"), shell.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageSpec.of("debian", "").withPackages("debian:"));
    }

    @Test
    void extraTreeThatDoesNotExist() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "").withExtraTrees(Path.of("/tmp"), "no/such/tree"));
        assertTrue(e.getMessage().startsWith("@BootImage extraTrees entry 'no/such/tree' does not exist as a directory (looked at /tmp/no/such/tree)"),
                e.getMessage());
    }

    @Test
    void scriptThatDoesNotExist() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSpec.of("debian", "").withBuildScripts(Path.of("/tmp"), "nope.sh"));
        assertTrue(e.getMessage().startsWith("@BootImage buildScripts entry 'nope.sh' does not exist"), e.getMessage());
    }

    @Test
    void sshAndKernelAddTheDistrosPackages() {
        ImageSpec s = ImageSpec.of("debian", "bookworm").withSsh(true).withKernel(true);
        assertTrue(s.allPackages().containsAll(List.of("openssh-server", "linux-image-cloud-amd64", "initramfs-tools")));
        assertTrue(s.hasSshServer());
        assertTrue(ImageSpec.of("debian", "").withPackages("openssh-server").hasSshServer());
        assertTrue(!ImageSpec.of("debian", "").hasSshServer());
    }
}
