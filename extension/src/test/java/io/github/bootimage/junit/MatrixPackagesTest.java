package io.github.bootimage.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.bootimage.BootImage;

/** One declaration, per-distribution package names: prefixed entries and the registry's common names. */
class MatrixPackagesTest {

    @BootImage(packages = {"debian:apache2", "fedora:httpd", "apache", "ssh-client", "curl"})
    static class Web {
    }

    private static List<String> packagesOn(String distro, String release) {
        BootImage a = Web.class.getAnnotation(BootImage.class);
        return Specs.request(a, distro, release, "class Web", "test").spec().packages();
    }

    @Test
    void eachDistributionGetsItsOwnNames() {
        assertEquals(List.of("apache2", "openssh-client", "curl"), packagesOn("debian", "trixie"));
        assertEquals(List.of("httpd", "openssh-clients", "curl"), packagesOn("fedora", "41"));
        assertEquals(List.of("apache2", "openssh-client", "curl"), packagesOn("ubuntu", "noble"));
        assertEquals(List.of("apache", "openssh", "curl"), packagesOn("arch", ""));
        assertEquals(List.of("httpd", "openssh-clients", "curl"), packagesOn("alma", "9"));
    }
}
