package io.github.bootimage.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

import io.github.bootimage.BootImage;
import io.github.bootimage.boot.net.HostNames;
import io.github.bootimage.boot.net.NetworkRequest;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.UserMkosiProject;

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
        if (!a.mkosiConfig().isBlank()) {
            return project(a, distro, release, true, owner);
        }
        Path base = Path.of("").toAbsolutePath();
        ImageSpec spec = ImageSpec.of(distro.isBlank() ? "debian" : distro, release)
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
        return new MachineRequest(spec, a.boot(), a.transport(), timeout, owner).withNetwork(network(a));
    }

    /**
     * The declaration's networking: {@code network} and {@code hostname} checked (the host name, when not
     * given, comes later from the field's or parameter's name).
     *
     * @throws IllegalArgumentException naming the attribute and the fix
     */
    public static NetworkRequest network(BootImage a) {
        String problem = HostNames.networkProblem(a.network());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        String hostname = a.hostname().isBlank() ? null : a.hostname().strip().toLowerCase(java.util.Locale.ROOT);
        if (hostname != null) {
            String p = HostNames.hostnameProblem(hostname);
            if (p != null) {
                throw new IllegalArgumentException(p);
            }
            if (a.network().isEmpty() || a.network().equals(NetworkRequest.HOST)) {
                throw new IllegalArgumentException("hostname = \"" + a.hostname() + "\" names a machine on a named network,"
                        + " but network = \"" + a.network() + "\" joins none. Add network = \"lan\" (any name shared by"
                        + " the machines that must reach each other), or remove hostname.");
            }
        }
        return new NetworkRequest(a.network(), hostname, null, null);
    }

    /**
     * The request of a declaration with its own distribution and release (not a matrix entry's): for an
     * mkosi project, they are checked against the configuration instead of overriding it.
     */
    public static MachineRequest request(BootImage a, String owner) {
        if (!a.mkosiConfig().isBlank()) {
            return project(a, a.distro(), a.release(), false, owner);
        }
        return request(a, a.distro(), a.release(), owner);
    }

    private static MachineRequest project(BootImage a, String distro, String release, boolean override, String owner) {
        Path base = Path.of("").toAbsolutePath();
        UserMkosiProject project = UserMkosiProject.at(base, a.mkosiConfig());
        if (a.format() != io.github.bootimage.ImageFormat.DIRECTORY) {
            throw new IllegalArgumentException("@BootImage format = " + a.format() + " does not apply to mkosiConfig '"
                    + a.mkosiConfig() + "': the configuration's Format= decides (Format=disk for a disk image booted in"
                    + " qemu). Remove format from the declaration.");
        }
        UnaryOperator<ImageSpec> additions = s -> s.withPackages(a.packages())
                .withExtraTrees(base, a.extraTrees())
                .withPostInstallationScripts(base, a.postInstallationScripts())
                .withBuildScripts(base, a.buildScripts())
                .withBuildPackages(a.buildPackages())
                .withBuildSources(base, a.buildSources());
        // Validated now, against any distribution, so a bad entry fails as a declaration error.
        ImageSpec placeholder = additions.apply(ImageSpec.of("debian", ""));
        Duration timeout = a.bootTimeout().isBlank() ? null : Settings.duration("@BootImage bootTimeout", a.bootTimeout());
        return new MachineRequest(placeholder, a.boot(), a.transport(), timeout, owner,
                new ProjectRequest(project, distro, release, override, additions, null), network(a));
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
