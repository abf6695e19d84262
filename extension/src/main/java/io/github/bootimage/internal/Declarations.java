package io.github.bootimage.internal;

import java.nio.file.Path;
import java.time.Duration;

import io.github.bootimage.BootImage;
import io.github.bootimage.image.ImageSpec;

/** Turns a {@link BootImage} declaration into a machine request: the one conversion the extension and the runner share. */
public final class Declarations {
    private Declarations() {
    }

    /**
     * The request of a declaration for a distribution and release (a matrix entry's, or the declaration's own).
     * Relative paths (trees, sources, scripts) are resolved against the working directory.
     *
     * @throws IllegalArgumentException naming the attribute and the problem
     */
    public static MachineRequest request(BootImage a, String distro, String release, String owner) {
        Path base = Path.of("").toAbsolutePath();
        ImageSpec spec = ImageSpec.of(distro, release)
                .withPackages(a.packages())
                .withFormat(a.format())
                .withExtraTrees(base, a.extraTrees())
                .withPostInstallationScripts(base, a.postInstallationScripts())
                .withBuildScripts(base, a.buildScripts())
                .withBuildPackages(a.buildPackages())
                .withBuildSources(base, a.buildSources());
        if (!a.repositories().isBlank()) {
            spec = spec.withRepositories(repositoriesFile(base, a.repositories()));
        }
        Duration timeout = a.bootTimeout().isBlank() ? null : Settings.duration("@BootImage bootTimeout", a.bootTimeout());
        return new MachineRequest(spec, a.boot(), a.transport(), timeout, owner);
    }

    private static Path repositoriesFile(Path base, String entry) {
        Path p = base.resolve(entry.strip()).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new IllegalArgumentException("@BootImage repositories '" + entry + "' does not exist as a file (looked at " + p
                    + "). Paths are relative to the working directory, the module's folder under Maven: give a dnf .repo"
                    + " or an apt .sources file, or fix the path.");
        }
        return p;
    }
}
