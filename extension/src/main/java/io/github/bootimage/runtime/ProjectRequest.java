package io.github.bootimage.runtime;

import java.util.function.UnaryOperator;

import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.ProjectSettings;
import io.github.bootimage.image.UserMkosiProject;

/**
 * A declaration's own mkosi project ({@code @BootImage(mkosiConfig = ...)}).
 *
 * @param project   the project directory
 * @param distro    a matrix entry's distribution (override) or the declaration's {@code distro} (checked
 *                  against the configuration; empty when not given)
 * @param release   likewise for the release
 * @param override  whether distro and release come from a matrix entry and override the configuration's
 * @param additions the declaration's packages, extra trees and scripts, applied to the project's spec
 * @param settings  what mkosi resolved from the project; null until {@link BootImageRuntime#resolve} asks
 */
public record ProjectRequest(UserMkosiProject project, String distro, String release, boolean override,
                             UnaryOperator<ImageSpec> additions, ProjectSettings settings) {

    ProjectRequest withSettings(ProjectSettings s) {
        return new ProjectRequest(project, distro, release, override, additions, s);
    }
}
