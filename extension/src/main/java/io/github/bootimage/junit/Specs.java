package io.github.bootimage.junit;


import io.github.bootimage.BootImage;
import io.github.bootimage.runtime.Declarations;
import io.github.bootimage.runtime.MachineRequest;

/** Turns a {@link BootImage} declaration into a validated machine request. */
final class Specs {
    private Specs() {
    }

    /**
     * @param where the declaration's place, for messages ("class MyIT", "field [MyIT.vm]")
     * @throws org.junit.platform.commons.PreconditionViolationException naming the place and the problem
     */
    static MachineRequest request(BootImage a, String where, String owner) {
        try {
            return Declarations.request(a, owner);
        } catch (IllegalArgumentException e) {
            throw new org.junit.platform.commons.PreconditionViolationException(
                    "Invalid @BootImage on " + where + ": " + e.getMessage(), e);
        }
    }

    static MachineRequest request(BootImage a, String distro, String release, String where, String owner) {
        try {
            return Declarations.request(a, distro, release, owner);
        } catch (IllegalArgumentException e) {
            throw new org.junit.platform.commons.PreconditionViolationException(
                    "Invalid @BootImage on " + where + ": " + e.getMessage(), e);
        }
    }
}
