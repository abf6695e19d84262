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
 * @param releases        releases bootimage knows; others build too, with a warning
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

    private static final System.Logger LOG = System.getLogger(Distro.class.getName());
    private static final java.util.regex.Pattern RELEASE = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** Where distribution-gpg-keys installs the keys mkosi uses for RPM distributions. */
    static final java.nio.file.Path KEYS = java.nio.file.Path.of("/usr/share/distribution-gpg-keys");
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
        register(new Distro("fedora", newestKeyed("fedora", "RPM-GPG-KEY-fedora-(\\d+)-primary", "41"), List.of("40", "41", "42", "43", "44", "rawhide"), PackageManager.RPM,
                rpm, List.of("openssh-server"), List.of("kernel", "dracut", "systemd-networkd"), "https://mirrors.fedoraproject.org/"));
        register(new Distro("centos", newestKeyed("centos", "RPM-GPG-KEY-CentOS-(\\d+)", "9"), List.of("9", "10"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://mirror.stream.centos.org/"));
        register(new Distro("rhel-ubi", newestKeyed("redhat", "RPM-GPG-KEY-redhat(\\d+)-release", "9"), List.of("8", "9"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://cdn-ubi.redhat.com/"));
        register(new Distro("rhel", newestKeyed("redhat", "RPM-GPG-KEY-redhat(\\d+)-release", "9"), List.of("8", "9", "10"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://cdn.redhat.com/"));
        register(new Distro("alma", newestKeyed("alma", "RPM-GPG-KEY-AlmaLinux-(\\d+)", "9"), List.of("8", "9", "10"), PackageManager.RPM, rpm,
                List.of("openssh-server"), List.of("kernel", "dracut"), "https://repo.almalinux.org/"));
        register(new Distro("rocky", newestKeyed("rocky", "RPM-GPG-KEY-Rocky-(\\d+)", "9"), List.of("8", "9"), PackageManager.RPM, rpm,
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

    /**
     * A release name; empty means the default. A release the registry does not list is used as given, with a
     * warning: the lists fall behind the distributions, and mkosi (or the mirror) is the judge.
     *
     * @throws IllegalArgumentException when the name cannot be a release (spaces, slashes)
     */
    public String release(String release) {
        if (release == null || release.isBlank()) {
            return defaultRelease;
        }
        String r = release.strip();
        if (!RELEASE.matcher(r).matches()) {
            throw new IllegalArgumentException("Malformed release '" + release + "' of distribution " + name
                    + ": a release has letters, digits and . _ - only, such as " + String.join(", ", releases));
        }
        if (!releases.contains(r) && !r.equals(defaultRelease)) {
            LOG.log(System.Logger.Level.WARNING, "Release ''{0}'' of {1} is not among the releases bootimage lists ({2});"
                    + " building it anyway: mkosi and the mirror decide whether it exists", r, name, String.join(", ", releases));
        }
        return r;
    }

    /** Whether the registry lists the release (an unlisted one still builds). */
    public boolean knows(String release) {
        return releases.contains(release) || release.equals(defaultRelease);
    }

    /**
     * The newest release whose key the installed distribution-gpg-keys holds (mkosi trusts those keys), or
     * the fallback when the package is not installed.
     */
    static String newestKeyed(String dir, String keyPattern, String fallback) {
        return newestKeyed(KEYS, dir, keyPattern, fallback);
    }

    static String newestKeyed(java.nio.file.Path keys, String dir, String keyPattern, String fallback) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(keyPattern);
        try (var list = java.nio.file.Files.list(keys.resolve(dir))) {
            return list.map(f -> p.matcher(f.getFileName().toString())).filter(java.util.regex.Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).max(Integer::compare).map(String::valueOf).orElse(fallback);
        } catch (java.io.IOException e) {
            return fallback;
        }
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
