package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each distribution needs on the host, and the package that brings what is missing. */
class DistroHostSupportTest {

    @Test
    void eachPackageManagerNeedsItsTools() {
        assertEquals(List.of("dnf MISSING (apt-get install dnf)", "rpm MISSING (apt-get install rpm)"),
                DistroHostSupport.tools(Distro.of("fedora"), n -> null).stream().map(DistroHostSupport.Need::describe).toList());
        assertEquals(List.of("zypper (/x/zypper)", "rpm (/x/rpm)"), DistroHostSupport.tools(Distro.of("opensuse"),
                n -> Path.of("/x/" + n)).stream().map(DistroHostSupport.Need::describe).toList());
        assertEquals("pacman MISSING (apt-get install pacman-package-manager)",
                DistroHostSupport.tools(Distro.of("arch"), n -> null).get(0).describe());
        assertEquals("dnf5", DistroHostSupport.tools(Distro.of("rocky"), n -> n.equals("dnf5") ? Path.of("/d/dnf5") : null).get(0).what());
    }

    @Test
    void keysAreLookedForWhereMkosiLooks(@TempDir Path root) throws Exception {
        Path k = root.resolve("usr/share/distribution-gpg-keys/fedora/RPM-GPG-KEY-fedora-44-primary");
        Files.createDirectories(k.getParent());
        Files.writeString(k, "");
        assertEquals(k, DistroHostSupport.key(Distro.of("fedora"), "44", root).found());
        DistroHostSupport.Need missing = DistroHostSupport.key(Distro.of("fedora"), "45", root);
        assertFalse(missing.met());
        assertEquals("distribution-gpg-keys", missing.debPackage());
        assertEquals(root.resolve("usr/share/keyrings/ubuntu-archive-keyring.gpg").toString(),
                DistroHostSupport.key(Distro.of("ubuntu"), "noble", root).what());
        assertTrue(DistroHostSupport.key(Distro.of("centos"), "10", root).what().endsWith("centos/RPM-GPG-KEY-CentOS-Official-SHA256"));
    }

    @Test
    void thisHostHasTheKeyOfEveryRegisteredDistributionsDefaultRelease() {
        // scripts/setup-host.sh installs them (distribution-gpg-keys, ubuntu-keyring, archlinux-keyring).
        for (Distro d : Distro.all()) {
            DistroHostSupport.Need key = DistroHostSupport.key(d, d.defaultRelease(), Path.of("/"));
            assertTrue(key.met(), () -> d.name() + ": " + key.describe());
        }
    }
}
