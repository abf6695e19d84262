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

    /**
     * Whether bootimage makes this backend's guests a network of their own (boot/net: a namespace, a
     * restricted user network) before it starts them. The unit tier's local shell runs on the host
     * itself and says no: it needs no root and leaves no namespace.
     */
    default boolean isolatesGuests() {
        return true;
    }
}
