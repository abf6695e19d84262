package io.github.bootimage.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import io.github.bootimage.ImageFormat;

/**
 * A validated, normalised description of an image: everything that changes what mkosi builds.
 *
 * @param distro                  the distribution
 * @param release                 its release (one the registry lists, or any other, with a warning)
 * @param packages                packages for this distribution (prefixes resolved, common names mapped),
 *                                in the order given, without duplicates; the boot packages are added by
 *                                the configuration writer
 * @param format                  directory or disk
 * @param kernel                  whether the image gets a kernel and initramfs (for qemu)
 * @param ssh                     whether the image gets the distribution's SSH server
 * @param extraTrees              trees copied into the image
 * @param postInstallationScripts scripts run after packages are installed
 * @param buildScripts            scripts that build software into the image
 * @param buildPackages           packages present only while build scripts run
 * @param buildSources            source directories mounted for the build scripts (mkosi {@code BuildSources=});
 *                                a tree's target is relative to {@code $SRCDIR}, empty for {@code $SRCDIR} itself
 * @param mirror                  the distribution mirror, or null for mkosi's default
 * @param repositories            a repository file to use instead of the defaults, or null
 */
public record ImageSpec(Distro distro, String release, List<String> packages, ImageFormat format, boolean kernel,
                        boolean ssh, List<Tree> extraTrees, List<Path> postInstallationScripts,
                        List<Path> buildScripts, List<String> buildPackages, List<Tree> buildSources, String mirror,
                        Path repositories) {

    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+_~-]*");

    /**
     * An extra tree.
     *
     * @param source the directory on the host (absolute)
     * @param target where it lands in the image
     */
    public record Tree(Path source, String target) {
    }

    public ImageSpec {
        Objects.requireNonNull(distro, "distro");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(format, "format");
        packages = List.copyOf(packages);
        extraTrees = List.copyOf(extraTrees);
        postInstallationScripts = List.copyOf(postInstallationScripts);
        buildScripts = List.copyOf(buildScripts);
        buildPackages = List.copyOf(buildPackages);
        buildSources = List.copyOf(buildSources);
    }

    /**
     * Items in the order a pool of builders should take them: one of each distribution and release in turn
     * (the first of each, then the second of each, ...), keeping their order within a release. Builds of one
     * release take turns on its package cache and wait for its base image, so a pool given one release's
     * images first would have every thread waiting on that release while another's could build.
     */
    public static <T> List<T> inTurnsByRelease(List<T> items, java.util.function.Function<T, ImageSpec> spec) {
        java.util.Map<String, java.util.ArrayDeque<T>> byRelease = new java.util.LinkedHashMap<>();
        for (T item : items) {
            ImageSpec s = spec.apply(item);
            byRelease.computeIfAbsent(s.distro().name() + ":" + s.release(), k -> new java.util.ArrayDeque<>()).add(item);
        }
        List<T> out = new ArrayList<>(items.size());
        while (out.size() < items.size()) {
            for (var queue : byRelease.values()) {
                if (!queue.isEmpty()) {
                    out.add(queue.poll());
                }
            }
        }
        return out;
    }

    /** A spec for a distribution and release with no packages, trees or scripts. */
    public static ImageSpec of(String distro, String release) {
        Distro d = Distro.of(distro);
        return new ImageSpec(d, d.release(release), List.of(), ImageFormat.DIRECTORY, false, false, List.of(),
                List.of(), List.of(), List.of(), List.of(), null, null);
    }

    public ImageSpec withPackages(String... entries) {
        return new ImageSpec(distro, release, resolvePackages(distro, "packages", entries), format, kernel, ssh,
                extraTrees, postInstallationScripts, buildScripts, buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withFormat(ImageFormat f) {
        return new ImageSpec(distro, release, packages, f, kernel, ssh, extraTrees, postInstallationScripts,
                buildScripts, buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withKernel(boolean k) {
        return new ImageSpec(distro, release, packages, format, k, ssh, extraTrees, postInstallationScripts,
                buildScripts, buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withSsh(boolean s) {
        return new ImageSpec(distro, release, packages, format, kernel, s, extraTrees, postInstallationScripts,
                buildScripts, buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withMirror(String m) {
        return new ImageSpec(distro, release, packages, format, kernel, ssh, extraTrees, postInstallationScripts,
                buildScripts, buildPackages, buildSources, m == null || m.isBlank() ? null : m.strip(), repositories);
    }

    public ImageSpec withRepositories(Path file) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("bootimage.repositories." + distro.name() + " names '" + file
                    + "', which is not a readable file: give the path of an apt .sources/.list, dnf .repo, "
                    + "pacman.conf or zypper .repo file");
        }
        return new ImageSpec(distro, release, packages, format, kernel, ssh, extraTrees, postInstallationScripts,
                buildScripts, buildPackages, buildSources, mirror, file == null ? null : file.toAbsolutePath());
    }

    /**
     * Adds extra trees given as {@code path} or {@code path:target}, relative to {@code base}.
     *
     * @throws IllegalArgumentException naming the entry when it does not exist or is not a directory
     */
    public ImageSpec withExtraTrees(Path base, String... entries) {
        List<Tree> trees = new ArrayList<>(extraTrees);
        for (String e : entries) {
            if (e == null || e.isBlank()) {
                throw new IllegalArgumentException("@BootImage extraTrees has an empty entry: remove it or name a directory");
            }
            String src = e;
            String target = "/";
            int colon = e.indexOf(':');
            if (colon > 0) {
                src = e.substring(0, colon);
                target = e.substring(colon + 1);
                if (!target.startsWith("/")) {
                    throw new IllegalArgumentException("@BootImage extraTrees entry '" + e
                            + "': the target after ':' must be an absolute path in the image, such as /srv/www");
                }
            }
            Path p = base.resolve(src).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException("@BootImage extraTrees entry '" + e + "' does not exist as a directory (looked at "
                        + p + "). Paths are relative to the working directory, the module's folder under Maven: "
                        + "create it or fix the path.");
            }
            trees.add(new Tree(p, target));
        }
        return new ImageSpec(distro, release, packages, format, kernel, ssh, trees, postInstallationScripts,
                buildScripts, buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withPostInstallationScripts(Path base, String... scripts) {
        return new ImageSpec(distro, release, packages, format, kernel, ssh, extraTrees,
                concat(postInstallationScripts, scripts(base, "postInstallationScripts", scripts)), buildScripts,
                buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withBuildScripts(Path base, String... scripts) {
        return new ImageSpec(distro, release, packages, format, kernel, ssh, extraTrees, postInstallationScripts,
                concat(buildScripts, scripts(base, "buildScripts", scripts)), buildPackages, buildSources, mirror, repositories);
    }

    public ImageSpec withBuildPackages(String... entries) {
        return new ImageSpec(distro, release, packages, format, kernel, ssh, extraTrees, postInstallationScripts,
                buildScripts, resolvePackages(distro, "buildPackages", entries), buildSources, mirror, repositories);
    }

    /**
     * Adds build sources given as {@code path} (mounted as {@code $SRCDIR}) or {@code path:target}
     * (mounted as {@code $SRCDIR/target}), relative to {@code base}.
     *
     * @throws IllegalArgumentException naming the entry when it does not exist, is not a directory, or
     *                                  its target is not a relative path inside {@code $SRCDIR}
     */
    public ImageSpec withBuildSources(Path base, String... entries) {
        List<Tree> sources = new ArrayList<>(buildSources);
        for (String e : entries) {
            if (e == null || e.isBlank()) {
                throw new IllegalArgumentException("@BootImage buildSources has an empty entry: remove it or name a directory");
            }
            int colon = e.indexOf(':');
            String src = colon > 0 ? e.substring(0, colon) : e;
            String target = colon > 0 ? e.substring(colon + 1) : "";
            if (target.startsWith("/") || Path.of(target).normalize().startsWith("..")) {
                throw new IllegalArgumentException("@BootImage buildSources entry '" + e + "': the target after ':'"
                        + " is a path relative to $SRCDIR, such as 'hello' (mounted at $SRCDIR/hello)");
            }
            Path p = base.resolve(src).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalArgumentException("@BootImage buildSources entry '" + e + "' does not exist as a directory"
                        + " (looked at " + p + "). Paths are relative to the working directory, the module's folder"
                        + " under Maven: create it or fix the path.");
            }
            sources.add(new Tree(p, Path.of(target).normalize().toString()));
        }
        return new ImageSpec(distro, release, packages, format, kernel, ssh, extraTrees, postInstallationScripts,
                buildScripts, buildPackages, sources, mirror, repositories);
    }

    /** Every package the image gets: boot packages, SSH server, kernel, then the spec's own. */
    public List<String> allPackages() {
        Set<String> all = new LinkedHashSet<>(distro.bootPackages());
        if (ssh) {
            all.addAll(distro.sshPackages());
        }
        if (kernel) {
            all.addAll(distro.kernelPackages());
        }
        all.addAll(packages);
        return List.copyOf(all);
    }

    /** Whether the image has an SSH server (asked for, or among the packages). */
    public boolean hasSshServer() {
        return ssh || packages.stream().anyMatch(distro.sshPackages()::contains);
    }

    /** A short name for logs: {@code debian:bookworm}. */
    public String label() {
        return distro.name() + ":" + release;
    }

    /**
     * Resolves package entries for a distribution: {@code "name"}, a common name, or
     * {@code "distro:name"} (kept only for that distribution).
     *
     * @throws IllegalArgumentException naming the entry when it is empty or malformed
     */
    public static List<String> resolvePackages(Distro distro, String attribute, String... entries) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < entries.length; i++) {
            String e = entries[i];
            if (e == null || e.isBlank()) {
                throw new IllegalArgumentException("@BootImage " + attribute + " entry #" + (i + 1)
                        + " is empty: remove it or name a package");
            }
            String name = e.strip();
            int colon = name.indexOf(':');
            if (colon >= 0) {
                String prefix = name.substring(0, colon);
                String rest = name.substring(colon + 1);
                if (Distro.find(prefix).isEmpty()) {
                    throw new IllegalArgumentException("@BootImage " + attribute + " entry '" + e + "' is malformed: '"
                            + prefix + "' before ':' is not a known distribution (known: "
                            + String.join(", ", Distro.all().stream().map(Distro::name).toList())
                            + "). Write 'name' or 'distro:name', such as 'fedora:httpd'.");
                }
                checkName(attribute, e, rest);
                if (!prefix.equalsIgnoreCase(distro.name())) {
                    continue;
                }
                name = rest;
            } else {
                checkName(attribute, e, name);
                name = distro.packageName(name);
            }
            out.add(name);
        }
        return List.copyOf(out);
    }

    private static void checkName(String attribute, String entry, String name) {
        if (!PACKAGE.matcher(name).matches()) {
            throw new IllegalArgumentException("@BootImage " + attribute + " entry '" + entry
                    + "' is malformed: a package name has letters, digits and . + _ ~ - only, and no spaces"
                    + " (give one package per entry)");
        }
    }

    private static List<Path> scripts(Path base, String attribute, String... scripts) {
        List<Path> out = new ArrayList<>();
        for (String s : scripts) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException("@BootImage " + attribute + " has an empty entry: remove it or name a script");
            }
            Path p = base.resolve(s).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("@BootImage " + attribute + " entry '" + s + "' does not exist (looked at "
                        + p + "). Paths are relative to the working directory: create it or fix the path.");
            }
            out.add(p);
        }
        return out;
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
