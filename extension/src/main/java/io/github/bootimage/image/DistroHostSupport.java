package io.github.bootimage.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What this host needs to build a distribution's images with mkosi: its package manager's tools and its
 * archive keys, each with the Debian package that brings it ({@code scripts/setup-host.sh} installs them
 * all). {@code bootimage doctor} prints it per distribution.
 */
public final class DistroHostSupport {
    private DistroHostSupport() {
    }

    /**
     * One need and whether the host meets it.
     *
     * @param what    a tool name or a key file
     * @param found   where it was found, or null
     * @param debPackage the Debian package that brings it
     */
    public record Need(String what, Path found, String debPackage) {
        public boolean met() {
            return found != null;
        }

        /** {@code dnf (/usr/bin/dnf)} or {@code dnf MISSING (apt-get install dnf)}. */
        public String describe() {
            return what + (met() ? " (" + found + ")" : " MISSING (apt-get install " + debPackage + ")");
        }
    }

    /** The tools mkosi runs to install the distribution's packages; any one of a group of alternatives suffices. */
    public static List<Need> tools(Distro d, Function<String, Path> which) {
        List<Need> out = new ArrayList<>();
        switch (d.packageManager()) {
            case DPKG -> {
                out.add(new Need("apt-get", which.apply("apt-get"), "apt"));
                out.add(new Need("dpkg", which.apply("dpkg"), "dpkg"));
            }
            case RPM -> {
                if (d.name().equals("opensuse")) {
                    out.add(new Need("zypper", which.apply("zypper"), "zypper"));
                } else {
                    Path dnf = which.apply("dnf5");
                    out.add(new Need(dnf != null ? "dnf5" : "dnf", dnf != null ? dnf : which.apply("dnf"), "dnf"));
                }
                out.add(new Need("rpm", which.apply("rpm"), "rpm"));
            }
            case PACMAN -> out.add(new Need("pacman", which.apply("pacman"), "pacman-package-manager"));
        }
        return out;
    }

    /** The archive key mkosi looks for when it builds the release (under {@code keysRoot}, usually {@code /}). */
    public static Need key(Distro d, String release, Path keysRoot) {
        Path gpgKeys = keysRoot.resolve("usr/share/distribution-gpg-keys");
        return switch (d.name()) {
            case "debian" -> file(keysRoot.resolve("usr/share/keyrings/debian-archive-keyring.gpg"), "debian-archive-keyring");
            case "ubuntu" -> file(keysRoot.resolve("usr/share/keyrings/ubuntu-archive-keyring.gpg"), "ubuntu-keyring");
            case "arch" -> file(keysRoot.resolve("usr/share/keyrings/archlinux.gpg"), "archlinux-keyring");
            case "fedora" -> file(gpgKeys.resolve("fedora/RPM-GPG-KEY-fedora-" + release + "-primary"), "distribution-gpg-keys");
            case "centos" -> file(gpgKeys.resolve("centos/RPM-GPG-KEY-CentOS-Official" + (release.equals("9") ? "" : "-SHA256")),
                    "distribution-gpg-keys");
            case "alma" -> file(gpgKeys.resolve("alma/RPM-GPG-KEY-AlmaLinux-" + release), "distribution-gpg-keys");
            case "rocky" -> file(gpgKeys.resolve("rocky/RPM-GPG-KEY-Rocky-" + release), "distribution-gpg-keys");
            case "rhel", "rhel-ubi" -> file(gpgKeys.resolve("redhat/RPM-GPG-KEY-redhat" + release + "-release"), "distribution-gpg-keys");
            case "opensuse" -> firstMatching(gpgKeys.resolve("opensuse"), Pattern.compile("RPM-GPG-KEY-openSUSE.*"), "distribution-gpg-keys");
            default -> new Need("a key of " + d.name(), null, "distribution-gpg-keys");
        };
    }

    private static Need file(Path p, String pkg) {
        return new Need(p.toString(), Files.isRegularFile(p) ? p : null, pkg);
    }

    private static Need firstMatching(Path dir, Pattern name, String pkg) {
        try (Stream<Path> s = Files.list(dir)) {
            Path found = s.filter(p -> name.matcher(p.getFileName().toString()).matches()).sorted().findFirst().orElse(null);
            return new Need(dir + "/" + name.pattern(), found, pkg);
        } catch (java.io.IOException e) {
            return new Need(dir + "/" + name.pattern(), null, pkg);
        }
    }
}
