package io.github.bootimage;

import java.util.Optional;

/**
 * The guest's package database, queried with the tool its distribution uses (dpkg, rpm or pacman).
 *
 * <pre>{@code
 * assertTrue(machine.packages().isInstalled("systemd"));
 * String v = machine.packages().version("systemd");   // "252.30-1~deb12u2"
 * }</pre>
 */
public interface Packages {

    /** True when the package is installed in the guest. */
    boolean isInstalled(String name);

    /**
     * The installed version of a package.
     *
     * @throws CommandFailedException when the package is not installed (the message says so)
     */
    String version(String name);

    /** The installed version, or empty when the package is not installed. */
    Optional<String> findVersion(String name);
}
