package io.github.bootimage.image;

import io.github.bootimage.ImageBuildException;

/** A distribution's mirror cannot be reached, so its image cannot be built on this host. */
public class MirrorUnavailableException extends ImageBuildException {
    private final String distro;

    public MirrorUnavailableException(String distro, String mirror, String reason) {
        super("The package mirror of " + distro + " (" + mirror + ") cannot be reached from this host: " + reason
                + ". Set bootimage.mirror." + distro + " to a mirror that answers (or bootimage.repositories."
                + distro + " to a repository file), or set bootimage.unavailable=skip to skip images of"
                + " distributions whose mirror is unreachable.");
        this.distro = distro;
    }

    public String distro() {
        return distro;
    }
}
