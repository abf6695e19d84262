package io.github.bootimage.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import io.github.bootimage.ImageBuildException;
import io.github.bootimage.ImageFormat;
import io.github.bootimage.process.HostTools;

/**
 * A user's own mkosi configuration directory ({@code @BootImage(mkosiConfig = ...)}), built as it is:
 * mkosi runs with {@code --directory} on it, and what bootimage adds (boot packages, autologin, SSH and
 * VM pieces, its repository settings where the project sets none, the annotation's packages, trees and
 * scripts) lives in a configuration directory of bootimage's own, passed with {@code --include}, so the
 * user's files are only read. mkosi parses {@code --include} before the project, so the project's own
 * single-valued settings (distribution, release, mirror, bootable...) win over bootimage's defaults, and
 * lists (packages, extra trees, scripts) add up.
 *
 * <p>The project's content (every file's path relative to the directory, content, mode and symlink
 * target; not where the directory lives) is part of the cache key. What mkosi makes of it (the
 * distribution, release and format, from {@code mkosi summary}) is remembered per content in the
 * cache's {@code .projects/}, so an unchanged project resolves without running mkosi.
 */
public final class UserMkosiProject {

    /** Directories mkosi writes into when they exist (outputs, caches); not part of the project's content. */
    static final Set<String> MKOSI_OUTPUTS = Set.of("mkosi.output", "mkosi.cache", "mkosi.builddir", "mkosi.workspace");

    private final Path directory;
    private final String entry;

    private UserMkosiProject(Path directory, String entry) {
        this.directory = directory;
        this.entry = entry;
    }

    /**
     * The project at {@code entry}, relative to {@code base} (the working directory).
     *
     * @throws IllegalArgumentException naming the entry when it is not a directory or holds no mkosi configuration
     */
    public static UserMkosiProject at(Path base, String entry) {
        return at(base, entry, "@BootImage mkosiConfig");
    }

    /**
     * The same, with the input's name for messages: {@code "@BootImage mkosiConfig"} or the runner's
     * {@code "--mkosi-config"}.
     */
    public static UserMkosiProject at(Path base, String entry, String input) {
        String attribute = input.startsWith("@BootImage ") ? input.substring("@BootImage ".length()) : input;
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException(input + " is empty: name an mkosi configuration directory");
        }
        Path dir = base.resolve(entry.strip()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(input + " '" + entry + "' does not exist as a directory (looked at "
                    + dir + "). Paths are relative to the working directory, the module's folder under Maven: create it"
                    + " or fix the path.");
        }
        if (!Files.isRegularFile(dir.resolve("mkosi.conf")) && !Files.isDirectory(dir.resolve("mkosi.conf.d"))) {
            throw new IllegalArgumentException(input + " '" + entry + "' (" + dir + ") holds no mkosi"
                    + " configuration: mkosi reads mkosi.conf and mkosi.conf.d/*.conf there, and it has neither. Add an"
                    + " mkosi.conf (such as '[Distribution]' 'Distribution=debian' 'Release=bookworm') or point " + attribute
                    + " at the directory that has one.");
        }
        return new UserMkosiProject(dir, entry.strip());
    }

    /** The project directory (absolute). */
    public Path directory() {
        return directory;
    }

    /** The path as the declaration gave it. */
    public String entry() {
        return entry;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserMkosiProject p && p.directory.equals(directory);
    }

    @Override
    public int hashCode() {
        return directory.hashCode();
    }

    @Override
    public String toString() {
        return "mkosi project " + directory;
    }

    /**
     * SHA-256 over the project's content: for every entry below the directory (symlinks not followed),
     * its path relative to the directory, its type and permission bits, a file's content and a
     * symlink's target. Not the directory's own location; not mkosi's output and cache directories.
     */
    public String contentHash() {
        MessageDigest md = sha256();
        try {
            Map<String, Path> entries = new TreeMap<>();
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    if (d.getParent() != null && d.getParent().equals(directory)
                            && MKOSI_OUTPUTS.contains(d.getFileName().toString())) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    entries.put(directory.relativize(d).toString(), d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    entries.put(directory.relativize(f).toString(), f);
                    return FileVisitResult.CONTINUE;
                }
            });
            byte[] buf = new byte[1 << 16];
            for (var e : entries.entrySet()) {
                Path p = e.getValue();
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isSymbolicLink()) {
                    update(md, "link " + e.getKey() + " -> " + Files.readSymbolicLink(p));
                } else if (a.isDirectory()) {
                    update(md, "dir " + e.getKey() + " " + mode(a.permissions()));
                } else if (a.isRegularFile()) {
                    update(md, "file " + e.getKey() + " " + mode(a.permissions()) + " " + a.size());
                    try (var in = Files.newInputStream(p)) {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            md.update(buf, 0, n);
                        }
                    }
                } else {
                    update(md, "other " + e.getKey() + " " + mode(a.permissions()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the mkosi project " + directory + " to compute its cache key: "
                    + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return Integer.toOctalString(m);
    }

    /**
     * The project's settings as mkosi resolves them, with a matrix entry's distribution and release
     * when given (null: the project's own). Remembered per project content, mkosi version and override
     * under {@code <cache>/.projects/}, so an unchanged project does not run mkosi.
     *
     * @throws ImageBuildException quoting mkosi's error line and naming the file when mkosi rejects the configuration
     */
    public ProjectSettings settings(HostTools tools, MkosiVersion mkosi, Path cacheRoot, String distro, String release) {
        return MkosiSummary.read(this, tools, mkosi, cacheRoot, distro, release);
    }

    /**
     * The spec of the project's image: its distribution, release and format, with the declaration's
     * additions (packages, trees, scripts) applied.
     *
     * @param explicitDistro  the declaration's {@code distro}, empty when not given (checked against the configuration)
     * @param explicitRelease the declaration's {@code release}, empty when not given
     * @throws IllegalArgumentException naming the setting and the fix when the configuration cannot boot
     *                                  or differs from what the declaration says
     */
    public ImageSpec spec(ProjectSettings s, String explicitDistro, String explicitRelease, UnaryOperator<ImageSpec> additions) {
        Distro d = Distro.find(s.distribution()).orElseThrow(() -> new IllegalArgumentException("The mkosi configuration "
                + directory + " builds Distribution=" + s.distribution() + ", which bootimage cannot boot: it knows "
                + String.join(", ", Distro.all().stream().map(Distro::name).toList()) + ". Set Distribution= to one of them."));
        if (explicitDistro != null && !explicitDistro.isBlank() && !explicitDistro.strip().equalsIgnoreCase(d.name())) {
            throw new IllegalArgumentException("@BootImage distro = \"" + explicitDistro.strip() + "\" differs from the mkosi"
                    + " configuration " + directory + ", which builds Distribution=" + s.distribution() + ": remove distro"
                    + " (the configuration decides), make them agree, or use @DistroMatrix to build the configuration for"
                    + " other distributions.");
        }
        if (explicitRelease != null && !explicitRelease.isBlank() && !explicitRelease.strip().equals(s.release())) {
            throw new IllegalArgumentException("@BootImage release = \"" + explicitRelease.strip() + "\" differs from the mkosi"
                    + " configuration " + directory + ", which builds Release=" + s.release() + ": remove release"
                    + " (the configuration decides), make them agree, or use @DistroMatrix to build the configuration for"
                    + " other releases.");
        }
        ImageFormat format = switch (s.format()) {
            case "directory" -> ImageFormat.DIRECTORY;
            case "disk" -> ImageFormat.DISK;
            default -> throw new IllegalArgumentException("The mkosi configuration " + directory + " sets Format="
                    + s.format() + ", an output that bootimage cannot boot: set Format=directory (booted with"
                    + " systemd-nspawn) or Format=disk (booted with qemu), or remove Format= (mkosi's default is disk).");
        };
        for (String p : s.removePackages()) {
            if (d.bootPackages().contains(p) && (p.startsWith("systemd") || p.equals("udev") || p.equals("dbus"))) {
                throw new IllegalArgumentException("The mkosi configuration " + directory + " sets RemovePackages=" + p
                        + ", but bootimage boots the guest with systemd as init (" + String.join(", ", d.bootPackages())
                        + "): remove " + p + " from RemovePackages=.");
            }
        }
        ImageSpec base = ImageSpec.of(d.name(), d.defaultRelease()).withFormat(format);
        ImageSpec spec = new ImageSpec(base.distro(), s.release(), base.packages(), base.format(), base.kernel(), base.ssh(),
                base.extraTrees(), base.postInstallationScripts(), base.buildScripts(), base.buildPackages(),
                base.buildSources(), base.mirror(), base.repositories());
        return additions.apply(spec);
    }

    /** The recipe the cache builds: the project as it is, plus bootimage's configuration beside it. */
    public ProjectRecipe recipe(ProjectSettings settings, ImageSpec effective, MkosiVersion mkosi) {
        return new ProjectRecipe(this, settings, effective, mkosi);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(String s) {
        return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }
}
