package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;

/**
 * Walk-through step 4: <b>software built into the image</b>.
 *
 * <p>mkosi compiles a project while it builds the image: {@code buildPackages} are installed into an
 * overlay on top of the image, {@code buildSources} are mounted as the build script's {@code $SRCDIR},
 * and the build script installs into {@code $DESTDIR}, whose content mkosi copies into the image. The
 * overlay, and the compiler with it, is discarded: the image ships the program, not the tool chain.
 *
 * <p>The project is {@code src/test/image/hello} (a C file and a Makefile); the build script is
 * {@code src/test/image/hello.build}. Changing either rebuilds the image (they are part of the cache
 * key). The tests run the program in the booted guest and check that the build packages are gone.
 */
@BootImage(distro = "debian", release = "bookworm",
        buildPackages = {"gcc", "libc6-dev", "make"},
        buildSources = "src/test/image/hello",
        buildScripts = "src/test/image/hello.build")
class BuiltSoftwareTest {

    @Test
    void theProgramRunsInTheGuest(Machine machine) {
        assertEquals("Hello, bootimage!\n", machine.succeed("hello", "bootimage"));
        assertEquals("/usr/local/bin/hello\n", machine.succeed("sh", "-c", "command -v hello"));
    }

    @Test
    void itWasCompiledByTheDistributionsCompiler(Machine machine) {
        // bookworm's gcc is 12: the build ran inside the image's build overlay, not with the host's compiler.
        String version = machine.succeed("hello", "--version");
        assertTrue(version.matches("hello 1\\.0 \\(gcc 12\\..*\\)\n"), version);
    }

    @Test
    void buildPackagesAreNotInTheImage(Machine machine) {
        assertFalse(machine.packages().isInstalled("gcc"));
        assertFalse(machine.packages().isInstalled("make"));
        assertFalse(machine.packages().isInstalled("libc6-dev"));
        ExecResult cc = machine.exec("sh", "-c", "command -v gcc cc make");
        assertEquals("", cc.stdout(), cc::toString);
    }

    @Test
    void theProgramIsNotOwnedByAnyPackage(Machine machine) {
        // It came from $DESTDIR, not from dpkg.
        String err = machine.fail("dpkg-query", "-S", "/usr/local/bin/hello");
        assertTrue(err.contains("no path found matching pattern"), err);
    }
}
