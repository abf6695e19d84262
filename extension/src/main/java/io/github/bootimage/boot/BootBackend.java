package io.github.bootimage.boot;

import io.github.bootimage.Boot;
import io.github.bootimage.image.Image;

/** Starts guests from cached images. */
public interface BootBackend {

    /** NSPAWN or QEMU. */
    Boot kind();

    /**
     * Starts a guest. The call returns once the guest's process runs; readiness (a console prompt,
     * an SSH banner) is the transport's to wait for.
     *
     * @throws io.github.bootimage.MachineLaunchException when it cannot start, saying why
     */
    RunningGuest start(Image image, GuestOptions options);

    /** Why this backend cannot start guests on this host (for {@code Boot.AUTO}), or null when it can. */
    default String unusableReason() {
        return null;
    }
}
