package io.github.bootimage.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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
public record ProjectSettings(String distribution, String release, String format, boolean ownRepositories,
                       List<String> removePackages, String packageLayer) {

    public ProjectSettings {
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

    static ProjectSettings fromProperties(Properties p) {
        String rp = p.getProperty("removePackages", "").strip();
        return new ProjectSettings(p.getProperty("distribution"), p.getProperty("release"), p.getProperty("format"),
                Boolean.parseBoolean(p.getProperty("ownRepositories")),
                rp.isEmpty() ? List.of() : List.of(rp.split(" ")), p.getProperty("packageLayer"));
    }

    /** Reads the last image of {@code mkosi --json summary}. */
    @SuppressWarnings("unchecked")
    static ProjectSettings fromSummary(String json) {
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
                String.join(",", strings(image.get("Repositories"))), Boolean.toString(own),
                prepareScripts(strings(image.get("PrepareScripts"))));
        return new ProjectSettings(distribution, release, format, own, remove, UserMkosiProject.hex(layer).substring(0, 16));
    }

    /** The prepare scripts' content: they run before mkosi caches the package layer, which depends on them. */
    private static String prepareScripts(List<String> paths) {
        StringBuilder b = new StringBuilder();
        for (String p : paths) {
            try {
                b.append(UserMkosiProject.hex(Files.readString(Path.of(p), StandardCharsets.ISO_8859_1))).append(',');
            } catch (IOException | RuntimeException e) {
                b.append(p).append(',');
            }
        }
        return b.toString();
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
