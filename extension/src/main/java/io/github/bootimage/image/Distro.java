package io.github.bootimage.image;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What bootimage knows of a distribution: its mkosi name, releases, package manager, the packages a
 * guest needs to boot with systemd and an autologin console, the SSH server and kernel packages, its
 * default mirror, and common package names mapped to its own.
 *
 * @param name            mkosi's name (and the name users write)
 * @param defaultRelease  used when a spec gives none
 * @param releases        releases bootimage accepts; others are rejected with this list
 * @param packageManager  dpkg, rpm or pacman
 * @param bootPackages    what every guest gets: systemd as init, a console login, the tools the
 *                        console protocol uses (bash, coreutils)
 * @param sshPackages     the SSH server
 * @param kernelPackages  what a virtual machine needs besides: a kernel and an initramfs generator
 * @param mirrorProbe     an address that answers when the distribution's default mirror is reachable
 */
public record Distro(String name, String defaultRelease, List<String> releases, PackageManager packageManager,
                     List<String> bootPackages, List<String> sshPackages, List<String> kernelPackages,
                     String mirrorProbe) {

    private static final Map<String, Distro> REGISTRY = new LinkedHashMap<>();

    /** Common package names that differ across distributions: common name to per-family names. */
    private static final Map<String, Map<String, String>> COMMON_NAMES = Map.of(
            "apache", Map.of("debian", "apache2", "ubuntu", "apache2", "rpm", "httpd", "arch", "apache",
                    "opensuse", "apache2"),
            "ssh-server", Map.of("debian", "openssh-server", "ubuntu", "openssh-server", "rpm", "openssh-server",
                    "arch", "openssh", "opensuse", "openssh-server"),
            "ssh-client", Map.of("debian", "openssh-client", "ubuntu", "openssh-client", "rpm", "openssh-clients",
                    "arch", "openssh", "opensuse", "openssh-clients"),
            "cc", Map.of("debian", "gcc", "ubuntu", "gcc", "rpm", "gcc", "arch", "gcc", "opensuse", "gcc"),
            "python3", Map.of("debian", "python3", "ubuntu", "python3", "rpm", "python3", "arch", "python",
                    "opensuse", "python3"),
            "iproute", Map.of("debian", "iproute2", "ubuntu", "iproute2", "rpm", "iproute", "arch", "iproute2",
                    "opensuse", "iproute2"),
            "cron", Map.of("debian", "cron", "ubuntu", "cron", "rpm", "cronie", "arch", "cronie",
                    "opensuse", "cronie"));

    static {
        // "login": agetty's autologin runs /bin/login, which trixie no longer installs as essential.
        List<String> deb = List.of("systemd", "systemd-sysv", "dbus", "udev", "bash", "coreutils", "login");
        List<String> rpm = List.of("systemd", "util-linux", "bash", "coreutils", "dbus");
        register(new Distro("debian", "bookworm", List.of("bullseye", "bookworm", "trixie", "testing", "sid"),
                PackageManager.DPKG, deb, List.of("openssh-server"),
                List.of("linux-image-cloud-amd64", "initramfs-tools"), "http://deb.debian.org/debian/"));
        register(new Distro("ubuntu", "noble", List.of("jammy", "noble", "oracular", "plucky"),
                PackageManager.DPKG, List.of("systemd", "systemd-sysv", "dbus", "udev", "bash", "coreutils", "login"),
                List.of("openssh-server"), List.of("linux-virtual", "initramfs-tools"),
                "http://archive.ubuntu.com/ubuntu/"));
        register(new Distro("fedora", "41", List.of("39", "40", "41", "42", "rawhide"), PackageManager.RPM,
                rpm, List.of("openssh-server"), List.of("kernel", "dracut", "systemd-networkd"), "https://mirrors.fedoraproject.org/"));
        register(new Distro("centos", "9", List.of("9", "10"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://mirror.stream.centos.org/"));
        register(new Distro("rhel-ubi", "9", List.of("8", "9"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://cdn-ubi.redhat.com/"));
        register(new Distro("rhel", "9", List.of("8", "9", "10"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://cdn.redhat.com/"));
        register(new Distro("alma", "9", List.of("8", "9", "10"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://repo.almalinux.org/"));
        register(new Distro("rocky", "9", List.of("8", "9"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://dl.rockylinux.org/"));
        register(new Distro("arch", "rolling", List.of("rolling"), PackageManager.PACMAN,
                List.of("systemd", "bash", "coreutils", "dbus"), List.of("openssh"),
                List.of("linux", "mkinitcpio"), "https://geo.mirror.pkgbuild.com/"));
        register(new Distro("opensuse", "tumbleweed", List.of("tumbleweed", "15.5", "15.6"), PackageManager.RPM,
                List.of("systemd", "udev", "dbus-1", "bash", "coreutils", "util-linux"),
                List.of("openssh-server"), List.of("kernel-default", "dracut"), "http://download.opensuse.org/"));
    }

    public Distro {
        releases = List.copyOf(releases);
        bootPackages = List.copyOf(bootPackages);
        sshPackages = List.copyOf(sshPackages);
        kernelPackages = List.copyOf(kernelPackages);
    }

    private static void register(Distro d) {
        REGISTRY.put(d.name(), d);
    }

    /** The distribution named so, or an exception that lists the known ones. */
    public static Distro of(String name) {
        Distro d = name == null ? null : REGISTRY.get(name.strip().toLowerCase(java.util.Locale.ROOT));
        if (d == null) {
            throw new IllegalArgumentException("Unknown distribution '" + name + "'. Known distributions: "
                    + String.join(", ", REGISTRY.keySet()));
        }
        return d;
    }

    /** The distribution named so, if known. */
    public static Optional<Distro> find(String name) {
        return Optional.ofNullable(name == null ? null : REGISTRY.get(name.strip().toLowerCase(java.util.Locale.ROOT)));
    }

    /** All known distributions, in a stable order. */
    public static List<Distro> all() {
        return List.copyOf(REGISTRY.values());
    }

    /** A release name checked against the known ones; empty means the default. */
    public String release(String release) {
        if (release == null || release.isBlank()) {
            return defaultRelease;
        }
        String r = release.strip();
        if (!releases.contains(r)) {
            throw new IllegalArgumentException("Unknown release '" + release + "' of distribution " + name
                    + ". Known releases: " + String.join(", ", releases));
        }
        return r;
    }

    /** This distribution's name for a common package name, or the name itself when it has no mapping. */
    public String packageName(String common) {
        Map<String, String> m = COMMON_NAMES.get(common);
        if (m == null) {
            return common;
        }
        String own = m.get(name);
        if (own == null && packageManager == PackageManager.RPM) {
            own = m.get("rpm");
        }
        return own == null ? common : own;
    }

    /** The common package names bootimage maps across distributions. */
    public static java.util.Set<String> commonNames() {
        return COMMON_NAMES.keySet();
    }
}
