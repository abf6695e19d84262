package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImageException;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;

/** A cache on a file system too small for an image: a clear message and nothing half-written. */
class BadInputIT {

    @Test
    void aFullCacheFileSystemSaysSoAndLeavesNothing(@TempDir Path dir) throws Exception {
        assumeTrue(HostCapabilities.isRoot(), "mounting a tmpfs needs root");
        Path mnt = Files.createDirectories(dir.resolve("tiny"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt.toString()).inheritIO().start();
        assumeTrue(mount.waitFor() == 0, "tmpfs could not be mounted");
        try {
            var f = ImageTier.factory();
            ImageCache cache = new ImageCache(mnt, MkosiVersion.detect(f.runner()),
                    // The package cache stays on the real cache: only the image output lands on the tiny file system.
                    new MkosiBuilder(f.runner(), f.settings().cacheDir(), java.time.Duration.ofMinutes(10), true), MirrorCheck.none());
            ImageSpec spec = ImageSpec.of("debian", "bookworm");
            long start = System.nanoTime();
            BootImageException e = assertThrows(BootImageException.class, () -> cache.resolve(spec));
            String m = e.getMessage();
            assertTrue(m.startsWith("Could not write the build log "), m);
            assertTrue(m.contains("(No space left on device): the image cache's file system is probably full."
                    + " Free space, run 'bootimage prune', or set bootimage.cache.dir to a larger file system."), m);
            assertTrue(java.time.Duration.ofNanos(System.nanoTime() - start).toSeconds() < 120,
                    "a full disk fails the build at once, it does not hang until the build timeout");
            assertFalse(ImageCache.isComplete(cache.entryOf(spec)));
            assertFalse(Files.exists(cache.entryOf(spec)), "no entry was published");
            try (var s = Files.list(mnt.resolve(".tmp"))) {
                assertTrue(s.toList().isEmpty(), "temporary build directories were removed");
            }
        } finally {
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void shellMetacharactersInPackageNamesNeverReachMkosi() {
        for (String bad : List.of("vim;reboot", "$(id)", "a b", "`x`", "../etc")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ImageSpec.of("debian", "bookworm").withPackages(bad));
            assertTrue(e.getMessage().contains("is malformed"), e.getMessage());
        }
    }
}
