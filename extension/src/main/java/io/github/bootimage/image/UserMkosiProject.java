package io.github.bootimage.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException("@BootImage mkosiConfig is empty: name an mkosi configuration directory");
        }
        Path dir = base.resolve(entry.strip()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("@BootImage mkosiConfig '" + entry + "' does not exist as a directory (looked at "
                    + dir + "). Paths are relative to the working directory, the module's folder under Maven: create it"
                    + " or fix the path.");
        }
        if (!Files.isRegularFile(dir.resolve("mkosi.conf")) && !Files.isDirectory(dir.resolve("mkosi.conf.d"))) {
            throw new IllegalArgumentException("@BootImage mkosiConfig '" + entry + "' (" + dir + ") holds no mkosi"
                    + " configuration: mkosi reads mkosi.conf and mkosi.conf.d/*.conf there, and it has neither. Add an"
                    + " mkosi.conf (such as '[Distribution]' 'Distribution=debian' 'Release=bookworm') or point mkosiConfig"
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
     * What mkosi resolved from the project: the values bootimage needs to boot it.
     *
     * @param distribution    the distribution mkosi builds
     * @param release         its release
     * @param format          mkosi's output format ({@code directory}, {@code disk}, ...)
     * @param ownRepositories whether the project sets a mirror or its own package-manager trees (then
     *                        bootimage adds no repository settings)
     * @param removePackages  the project's {@code RemovePackages=}
     * @param packageLayer    a digest of what makes the installed-package layer (packages, build packages,
     *                        mirror, repositories, distribution, release)
     */
    public record Settings(String distribution, String release, String format, boolean ownRepositories,
                           List<String> removePackages, String packageLayer) {

        public Settings {
            removePackages = List.copyOf(removePackages);
        }

        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("distribution", distribution);
            p.setProperty("release", release);
            p.setProperty("format", format);
            p.setProperty("ownRepositories", Boolean.toString(ownRepositories));
            p.setProperty("removePackages", String.join(" ", removePackages));
            p.setProperty("packageLayer", packageLayer);
            return p;
        }

        static Settings fromProperties(Properties p) {
            String rp = p.getProperty("removePackages", "").strip();
            return new Settings(p.getProperty("distribution"), p.getProperty("release"), p.getProperty("format"),
                    Boolean.parseBoolean(p.getProperty("ownRepositories")),
                    rp.isEmpty() ? List.of() : List.of(rp.split(" ")), p.getProperty("packageLayer"));
        }

        /** Reads the last image of {@code mkosi --json summary}. */
        @SuppressWarnings("unchecked")
        static Settings fromSummary(String json) {
            Object root = Json.parse(json);
            Map<String, Object> image;
            if (root instanceof Map<?, ?> m && m.get("Images") instanceof List<?> images && !images.isEmpty()) {
                image = (Map<String, Object>) images.get(images.size() - 1);
            } else if (root instanceof Map<?, ?> m) {
                image = (Map<String, Object>) m;
            } else {
                throw new IllegalArgumentException("mkosi's summary is not a JSON object");
            }
            String distribution = String.valueOf(image.get("Distribution"));
            String release = String.valueOf(image.get("Release"));
            String format = String.valueOf(image.get("Format"));
            boolean own = image.get("Mirror") != null || image.get("LocalMirror") != null
                    || holdsRepositories(image.get("PackageManagerTrees")) || holdsRepositories(image.get("SandboxTrees"));
            List<String> remove = strings(image.get("RemovePackages"));
            // What mkosi's own cache manifest compares, without paths: the project may move between checkouts.
            String layer = String.join("\0", distribution, release, String.valueOf(image.get("Mirror")),
                    String.join(",", strings(image.get("Packages"))), String.join(",", strings(image.get("BuildPackages"))),
                    String.join(",", strings(image.get("Repositories"))), Boolean.toString(own));
            return new Settings(distribution, release, format, own, remove, hex(layer).substring(0, 16));
        }

        /** Package-manager configuration files that name repositories, by the tree's relative path. */
        static final List<String> REPOSITORY_FILES = List.of("etc/apt/sources.list", "etc/apt/sources.list.d",
                "etc/yum.repos.d", "etc/zypp/repos.d", "etc/pacman.d/mirrorlist", "etc/pacman.conf");

        /**
         * Whether package-manager trees hold repository files (mkosi 24 uses the skeleton trees as package-manager
         * trees by default, so a non-empty list alone says nothing).
         */
        private static boolean holdsRepositories(Object trees) {
            if (!(trees instanceof List<?> l)) {
                return false;
            }
            for (Object t : l) {
                Object source = t instanceof Map<?, ?> m ? m.get("Source") : t;
                if (source == null) {
                    continue;
                }
                Path root = Path.of(String.valueOf(source));
                if (!Files.isDirectory(root)) {
                    return true; // an archive: assume it configures the package manager
                }
                for (String f : REPOSITORY_FILES) {
                    if (Files.exists(root.resolve(f))) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static List<String> strings(Object o) {
            List<String> out = new ArrayList<>();
            if (o instanceof List<?> l) {
                for (Object x : l) {
                    out.add(String.valueOf(x));
                }
            }
            return out;
        }
    }

    /**
     * The project's settings as mkosi resolves them, with a matrix entry's distribution and release
     * when given (null: the project's own). Remembered per project content, mkosi version and override
     * under {@code <cache>/.projects/}, so an unchanged project does not run mkosi.
     *
     * @throws ImageBuildException quoting mkosi's error line and naming the file when mkosi rejects the configuration
     */
    public Settings settings(HostTools tools, MkosiVersion mkosi, Path cacheRoot, String distro, String release) {
        String id = hex("summary 3\0" + contentHash() + "\0" + mkosi.text() + "\0" + distro + "\0" + release);
        Path file = cacheRoot.resolve(".projects").resolve(id + ".properties");
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (var in = Files.newInputStream(file)) {
                p.load(in);
                return Settings.fromProperties(p);
            } catch (IOException | RuntimeException e) {
                // an unreadable record is asked again
            }
        }
        Settings s = summary(tools, distro, release);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), id, ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                s.toProperties().store(out, "mkosi's settings of " + directory + " (bootimage)");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ImageBuildException("Could not write " + file + " in the image cache: " + e.getMessage()
                    + ". Set bootimage.cache.dir to a writable directory.", e);
        }
        return s;
    }

    /** The summary command: mkosi on the project, with the override, in debug mode (it names each file it reads). */
    List<String> summaryCommand(Path mkosi, String distro, String release) {
        List<String> cmd = new ArrayList<>(List.of(mkosi.toString(), "--directory", directory.toString()));
        if (distro != null) {
            cmd.addAll(List.of("--distribution", distro));
        }
        if (release != null) {
            cmd.addAll(List.of("--release", release));
        }
        cmd.addAll(List.of("--debug", "--json", "summary"));
        return cmd;
    }

    private Settings summary(HostTools tools, String distro, String release) {
        Path mkosi = tools.require("mkosi", "to read the mkosi configuration " + directory);
        List<String> cmd = summaryCommand(mkosi, distro, release);
        Path err = null;
        try {
            err = Files.createTempFile("bootimage-mkosi-summary", ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(directory.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().clear();
            pb.environment().putAll(tools.environment());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new ImageBuildException("mkosi took over 2 minutes to read the configuration " + directory
                        + "\ncommand: " + String.join(" ", cmd));
            }
            List<String> log = Files.readAllLines(err, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new ImageBuildException(rejectedMessage(directory, log, p.exitValue(), String.join(" ", cmd)));
            }
            try {
                return Settings.fromSummary(new String(out, StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                throw new ImageBuildException("Could not read mkosi's summary of " + directory + " (" + e.getMessage()
                        + ")\ncommand: " + String.join(" ", cmd), e);
            }
        } catch (IOException e) {
            throw new ImageBuildException("Could not run mkosi to read the configuration " + directory + ": "
                    + e.getMessage() + "\ncommand: " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageBuildException("Interrupted while mkosi read the configuration " + directory);
        } finally {
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    /**
     * The message of a configuration mkosi rejects: its own error line, and the file it was reading
     * (the last "Including configuration file" of its debug output).
     */
    static String rejectedMessage(Path directory, List<String> log, int exitCode, String command) {
        String error = null;
        String file = null;
        for (String raw : log) {
            String l = raw.strip();
            if (!l.startsWith("‣")) {
                continue;
            }
            String text = l.substring(1).strip();
            if (text.startsWith("Including configuration file ")) {
                if (error == null) {
                    file = text.substring("Including configuration file ".length()).strip();
                }
            } else if (error == null) {
                error = text;
            }
        }
        StringBuilder m = new StringBuilder("mkosi rejects the configuration in ").append(directory);
        if (error != null) {
            m.append(": \"").append(error).append('"');
        } else {
            m.append(" (exit code ").append(exitCode).append(')');
        }
        if (file != null) {
            Path f = Path.of(file);
            m.append(" in ").append(f.startsWith(directory) ? directory.relativize(f) : f);
        }
        m.append(". Fix or remove that setting ('man mkosi' lists the settings and values this mkosi knows);"
                + " 'mkosi summary' in the directory shows the same error.");
        if (error == null) {
            m.append("\nlast lines of mkosi's output:");
            log.stream().skip(Math.max(0, log.size() - 15)).forEach(l -> m.append("\n  ").append(l));
        }
        m.append("\ncommand: ").append(command);
        return m.toString();
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
    public ImageSpec spec(Settings s, String explicitDistro, String explicitRelease, UnaryOperator<ImageSpec> additions) {
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
    public Recipe recipe(Settings settings, ImageSpec effective, MkosiVersion mkosi) {
        return new Recipe(settings, effective, mkosi);
    }

    /**
     * The project as a cache recipe. The generated configuration (bootimage's {@link MkosiConfig} for the
     * spec) goes into a directory of bootimage's own, without the settings that are the project's
     * (distribution, release, format, output) and without repository settings when the project has its
     * own; mkosi reads it with {@code --include} and the project with {@code --directory}.
     */
    public final class Recipe implements ImageRecipe {
        private final Settings settings;
        private final ImageSpec spec;
        private final MkosiVersion mkosi;
        private final MkosiConfig config;
        private final Map<String, String> files;

        Recipe(Settings settings, ImageSpec spec, MkosiVersion mkosi) {
            this.settings = Objects.requireNonNull(settings);
            this.spec = spec;
            this.mkosi = mkosi;
            this.config = MkosiConfig.of(spec, mkosi);
            Map<String, String> f = new TreeMap<>();
            for (var e : config.files().entrySet()) {
                if (settings.ownRepositories() && e.getKey().startsWith("pkgmngr/")) {
                    continue;
                }
                f.put(e.getKey(), e.getKey().equals("mkosi.conf") ? includeConf(e.getValue()) : e.getValue());
            }
            this.files = f;
        }

        /** The generated {@code mkosi.conf} without what the project (or the command line) decides. */
        String includeConf(String generated) {
            StringBuilder out = new StringBuilder("# bootimage's additions to an mkosi project, read with --include before it.\n");
            for (String line : generated.split("\n", -1)) {
                String key = line.contains("=") ? line.substring(0, line.indexOf('=')).strip() : "";
                boolean drop = switch (key) {
                    case "Distribution", "Release", "Format", "Output" -> true;
                    case "Mirror" -> settings.ownRepositories();
                    default -> settings.ownRepositories() && key.equals(mkosi.packageManagerTreesKey());
                };
                if (!drop && !line.startsWith("# Generated by bootimage")) {
                    out.append(line).append('\n');
                }
            }
            return out.toString().stripTrailing() + "\n";
        }

        /** The generated files, by path relative to bootimage's configuration directory. */
        public Map<String, String> files() {
            return files;
        }

        @Override
        public String key() {
            MessageDigest md = sha256();
            update(md, "bootimage user mkosi project 1");
            update(md, "mkosi " + mkosi.text());
            update(md, "project " + contentHash());
            update(md, "args " + String.join(" ", arguments()));
            for (var e : files.entrySet()) {
                update(md, "file " + e.getKey());
                update(md, e.getValue());
            }
            // the annotation's trees and scripts, by content
            update(md, "additions " + config.key());
            return HexFormat.of().formatHex(md.digest());
        }

        @Override
        public void writeTo(Path dir) throws IOException {
            config.writeTo(dir);
            for (var e : config.files().keySet()) {
                if (!files.containsKey(e)) {
                    Files.deleteIfExists(dir.resolve(e));
                }
            }
            if (settings.ownRepositories()) {
                ImageCache.deleteTree(dir.resolve("pkgmngr"));
            }
            for (var e : files.entrySet()) {
                Files.writeString(dir.resolve(e.getKey()), e.getValue());
            }
        }

        /** The arguments besides the two directories: what the command line decides over the project. */
        List<String> arguments() {
            return List.of("--distribution", spec.distro().name(), "--release", spec.release(),
                    "--format", spec.format() == ImageFormat.DISK ? "disk" : "directory", "--output", "image",
                    "--autologin", "yes");
        }

        @Override
        public List<String> mkosiArguments(Path configDir) {
            List<String> out = new ArrayList<>(List.of("--directory", directory.toString(), "--include", configDir.toString()));
            out.addAll(arguments());
            if (Files.isDirectory(directory.resolve("mkosi.builddir"))) {
                // mkosi would keep build artefacts in the project: keep them beside bootimage's configuration
                out.addAll(List.of("--build-dir", configDir.resolveSibling("mkosi.builddir").toString()));
            }
            return out;
        }

        @Override
        public String packageLayerKey(ImageSpec s) {
            return hex("project\0" + MkosiBuilder.packageLayerKey(s) + "\0" + settings.packageLayer()).substring(0, 12);
        }

        public Settings settings() {
            return settings;
        }
    }

    private static MessageDigest sha256() {
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
