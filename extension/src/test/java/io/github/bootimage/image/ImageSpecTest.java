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
    void anUnlistedReleaseBuildsAnyway() {
        // Release lists fall behind the distributions: mkosi and the mirror decide, bootimage only warns.
        assertEquals("forky", ImageSpec.of("debian", "forky").release());
        assertEquals("47", ImageSpec.of("fedora", "47").release());
        assertTrue(Distro.of("debian").knows("bookworm"));
        assertTrue(!Distro.of("debian").knows("forky"));
    }

    @Test
    void aMalformedReleaseIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSpec.of("debian", "book worm"));
        assertEquals("Malformed release 'book worm' of distribution debian: a release has letters, digits and . _ - only,"
                + " such as bullseye, bookworm, trixie, testing, sid", e.getMessage());
    }

    @Test
    void anRpmDistributionsDefaultIsTheNewestReleaseWhoseKeyIsInstalled(@org.junit.jupiter.api.io.TempDir Path keys)
            throws Exception {
        java.nio.file.Files.createDirectories(keys.resolve("fedora"));
        for (String k : List.of("RPM-GPG-KEY-fedora-40-primary", "RPM-GPG-KEY-fedora-43-primary",
                "RPM-GPG-KEY-fedora-rawhide-primary", "RPM-GPG-KEY-fedora-iot-2019")) {
            java.nio.file.Files.writeString(keys.resolve("fedora").resolve(k), "");
        }
        assertEquals("43", Distro.newestKeyed(keys, "fedora", "RPM-GPG-KEY-fedora-(\\d+)-primary", "41"));
        assertEquals("9", Distro.newestKeyed(keys, "rocky", "RPM-GPG-KEY-Rocky-(\\d+)", "9"), "no keys: the fallback");
        assertEquals(Distro.newestKeyed("fedora", "RPM-GPG-KEY-fedora-(\\d+)-primary", "41"), Distro.of("fedora").defaultRelease());
        assertEquals("bookworm", Distro.of("debian").defaultRelease());
    }

    @Test
    void everyRegisteredDistroKnowsWhatAGuestNeeds() {
        for (Distro d : Distro.all()) {
            assertTrue(d.bootPackages().contains("systemd"), d.name());
            assertTrue(d.knows(d.defaultRelease()), d.name());
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

    @Test
    void buildersTakeOneImageOfEachReleaseInTurnKeepingTheOrderWithinARelease() {
        ImageSpec b1 = ImageSpec.of("debian", "bookworm").withPackages("jq");
        ImageSpec b2 = ImageSpec.of("debian", "bookworm").withPackages("tree");
        ImageSpec b3 = ImageSpec.of("debian", "bookworm").withPackages("busybox");
        ImageSpec t1 = ImageSpec.of("debian", "trixie").withPackages("jq");
        ImageSpec t2 = ImageSpec.of("debian", "trixie").withPackages("tree");
        ImageSpec n1 = ImageSpec.of("ubuntu", "noble");
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(b1, t1, n1, b2, t2, b3),
                ImageSpec.inTurnsByRelease(java.util.List.of(b1, b2, b3, t1, t2, n1), s -> s));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), ImageSpec.inTurnsByRelease(java.util.List.<ImageSpec>of(), s -> s));
    }
}
