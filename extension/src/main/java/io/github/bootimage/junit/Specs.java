package io.github.bootimage.junit;

import java.nio.file.Path;
import java.time.Duration;

import io.github.bootimage.BootImage;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.internal.MachineRequest;
import io.github.bootimage.internal.Settings;

/** Turns a {@link BootImage} declaration into a validated machine request. */
final class Specs {
    private Specs() {
    }

    /**
     * @param where the declaration's place, for messages ("class MyIT", "field [MyIT.vm]")
     * @throws org.junit.platform.commons.PreconditionViolationException naming the place and the problem
     */
    static MachineRequest request(BootImage a, String where, String owner) {
        return request(a, a.distro(), a.release(), where, owner);
    }

    static MachineRequest request(BootImage a, String distro, String release, String where, String owner) {
        try {
            Path base = Path.of("").toAbsolutePath();
            ImageSpec spec = ImageSpec.of(distro, release)
                    .withPackages(a.packages())
                    .withFormat(a.format())
                    .withExtraTrees(base, a.extraTrees())
                    .withPostInstallationScripts(base, a.postInstallationScripts())
                    .withBuildScripts(base, a.buildScripts())
                    .withBuildPackages(a.buildPackages())
                    .withBuildSources(base, a.buildSources());
            Duration timeout = a.bootTimeout().isBlank() ? null : Settings.duration("@BootImage bootTimeout", a.bootTimeout());
            return new MachineRequest(spec, a.boot(), a.transport(), timeout, owner);
        } catch (IllegalArgumentException e) {
            throw new org.junit.platform.commons.PreconditionViolationException(
                    "Invalid @BootImage on " + where + ": " + e.getMessage(), e);
        }
    }
}
