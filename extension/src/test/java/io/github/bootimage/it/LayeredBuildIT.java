package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.RemoteCache;
import io.github.bootimage.process.ProcessRunner;
import io.github.bootimage.runtime.BootImageRuntime;

/**
 * An image built on its release's base has the packages and versions of a full build of the same spec, and
 * shares the base's bytes (bookworm directory images only: no boot, the package databases are read on the host).
 */
class LayeredBuildIT {
    final BootImageRuntime factory = ImageTier.factory();

    @Test
    void aLayeredImageHasTheSamePackagesAsAFullBuild() throws Exception {
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withPackages("jq", "tree");
        Path root = factory.cache().root();
        MkosiVersion v = MkosiVersion.detect(factory.runner());
        MkosiBuilder mkosi = new MkosiBuilder(factory.runner(), root, Duration.ofMinutes(20), false);
        ImageCache layered = new ImageCache(root, v, mkosi, MirrorCheck.none(), RemoteCache.NONE, null, true, 2);
        ImageCache whole = new ImageCache(root, v, mkosi, MirrorCheck.none(), RemoteCache.NONE, null, false, 2);

        Image onBase = layered.resolve(spec);
        Image full = whole.resolve(spec);
        Image base = layered.resolve(ImageCache.baseOf(spec).orElseThrow());

        assertNotEquals(onBase.entry(), full.entry());
        String packages = packages(full.directory());
        assertTrue(packages.contains("\njq ") && packages.contains("\ntree "), packages);
        assertEquals(packages, packages(onBase.directory()), "dpkg-query -W of the layered and the full build");
        assertNotEquals(packages, packages(base.directory()), "the base lacks the two packages");
        // The layered image's base files are the base's own: hard links, its extra ones its own.
        long shared = sharedWith(onBase.directory(), base.directory());
        assertTrue(shared > 1000, shared + " files shared with the base");
        assertEquals(0, sharedWith(full.directory(), base.directory()), "a full build shares nothing");
        assertTrue(Files.isExecutable(onBase.directory().resolve("usr/bin/jq")));
        assertEquals(1, ((Number) Files.getAttribute(onBase.directory().resolve("usr/bin/jq"), "unix:nlink")).intValue(),
                "a file of its own is not linked");
    }

    private String packages(Path image) throws IOException {
        ProcessRunner.Result r = factory.runner().run(List.of("dpkg-query", "--admindir=" + image.resolve("var/lib/dpkg"),
                "-W", "-f", "${db:Status-Abbrev} ${Package} ${Version}\\n"), Duration.ofMinutes(1));
        assertTrue(r.succeeded(), r.output());
        return "\n" + r.output().lines().map(l -> l.substring(l.indexOf(' ') + 1).strip() + (l.startsWith("ii") ? "" : " " + l))
                .sorted().reduce("", (a, b) -> a + b + "\n");
    }

    private static long sharedWith(Path image, Path base) throws IOException {
        try (Stream<Path> s = Files.walk(image)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).filter(p -> {
                try {
                    Path b = base.resolve(image.relativize(p).toString());
                    return Files.isRegularFile(b, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(p, b);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }
}
