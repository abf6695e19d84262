package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.Machine;

/**
 * Walk-through step 7: <b>one mkosi project across releases</b>.
 *
 * <p>The project of {@link MkosiProjectTest} names Debian bookworm in its {@code mkosi.conf}. A
 * {@code @DistroMatrix} over it builds it once per entry, each entry overriding the configuration's
 * distribution and release as {@code mkosi --distribution ... --release ...} would: the same
 * directory becomes a bookworm and a trixie image, and the class runs on each. The bookworm image is the
 * one {@link MkosiProjectTest} uses (same project, same release: same cache entry).
 */
@DistroMatrix({"debian:bookworm", "debian:trixie"})
@BootImage(mkosiConfig = "src/test/mkosi/web", boot = Boot.NSPAWN)
class MkosiProjectReleasesTest {

    @Test
    void eachEntryBootsItsRelease(Machine machine) {
        assertEquals("debian", machine.osRelease().get("ID"));
        assertEquals(machine.info().release(), machine.osRelease().get("VERSION_CODENAME"));
    }

    @Test
    void theProjectsFilesAreInEveryRelease(Machine machine) throws IOException {
        assertEquals(Files.readString(MkosiProjectTest.PAGE), machine.succeed("cat", "/srv/www/content/index.html"));
        assertEquals("enabled\n", machine.succeed("systemctl", "is-enabled", "walkthrough-web.service"));
    }
}
