package io.github.bootimage.process;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.github.bootimage.BootImageException;

/**
 * Finds the host programs bootimage runs, on a PATH that tests can replace, and names the Debian
 * package that provides each one when it is missing.
 */
public final class HostTools {

    /** Program to the Debian package that provides it. */
    private static final Map<String, String> PACKAGES = new LinkedHashMap<>();

    static {
        PACKAGES.put("mkosi", "mkosi");
        PACKAGES.put("systemd-nspawn", "systemd-container");
        PACKAGES.put("script", "util-linux (bsdutils on Debian 12)");
        PACKAGES.put("nsenter", "util-linux");
        PACKAGES.put("qemu-system-x86_64", "qemu-system-x86");
        PACKAGES.put("qemu-img", "qemu-utils");
        PACKAGES.put("mkfs.ext4", "e2fsprogs");
        PACKAGES.put("depmod", "kmod");
        PACKAGES.put("ssh", "openssh-client");
        PACKAGES.put("ssh-keygen", "openssh-client");
        PACKAGES.put("sfdisk", "fdisk");
    }

    private final String path;

    /** Tools on this PATH (a colon-separated list of directories). */
    public HostTools(String path) {
        this.path = path == null ? "" : path;
    }

    /**
     * Tools on the JVM's PATH, with {@code extraPath} in front when it is not blank; with
     * {@code inherit} false, on {@code extraPath} alone.
     */
    public static HostTools fromEnvironment(String extraPath, boolean inherit) {
        String p = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (!p.contains("/usr/sbin")) {
            p = p + ":/usr/sbin:/sbin";
        }
        if (!inherit) {
            return new HostTools(extraPath == null ? "" : extraPath);
        }
        return new HostTools(extraPath == null || extraPath.isBlank() ? p : extraPath + File.pathSeparator + p);
    }

    /** The PATH these tools are looked up on; child processes get it too. */
    public String path() {
        return path;
    }

    /** The program's location, if it is installed. */
    public Optional<Path> find(String program) {
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The program's location.
     *
     * @param purpose what it is needed for, for the message
     * @throws BootImageException naming the package that provides it and the set-up script
     */
    public Path require(String program, String purpose) {
        return find(program).orElseThrow(() -> new BootImageException(missingMessage(program, purpose)));
    }

    /** The message for a missing program. */
    public static String missingMessage(String program, String purpose) {
        String pkg = PACKAGES.getOrDefault(program, program);
        return "'" + program + "' is not installed (not found on PATH), but it is needed " + purpose
                + ". Install the Debian package '" + pkg + "'"
                + ("mkosi".equals(program) ? " (on Debian 12 from bookworm-backports)" : "")
                + ", or run scripts/setup-host.sh as root, which installs every host tool bootimage uses.";
    }

    /** The Debian package that provides a program, as far as bootimage knows. */
    public static String packageOf(String program) {
        return PACKAGES.getOrDefault(program, program);
    }

    /** An environment for child processes: the JVM's, with this PATH. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("PATH", path);
        return env;
    }
}
