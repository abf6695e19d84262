package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's remote hook with a fake remote: pull before build, push after, max age. */
class ImageCacheRemoteTest {
    static final ImageSpec SPEC = ImageCacheTest.SPEC;

    /** Copies entries it "holds" into the target; records pushes. */
    static final class FakeRemote implements RemoteCache {
        Path holds;
        boolean pushFails;
        boolean sendsGarbage;
        final List<Path> pushed = new ArrayList<>();
        final List<Instant> askedNotBefore = new ArrayList<>();

        @Override
        public String describe() {
            return "oci://fake/images";
        }

        @Override
        public boolean pull(ImageSpec spec, String key, Path target, Instant notBefore) {
            askedNotBefore.add(notBefore);
            if (holds == null) {
                return false;
            }
            try {
                Files.createDirectories(target.resolve("image/etc"));
                Files.writeString(target.resolve("image/etc/pulled"), "yes");
                if (!sendsGarbage) {
                    Files.copy(holds.resolve(ImageCache.METADATA), target.resolve(ImageCache.METADATA));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        }

        @Override
        public boolean push(Path entry) {
            pushed.add(entry);
            return !pushFails;
        }
    }

    @Test
    void aLocalMissIsPulledAndNotBuilt(@TempDir Path dir) {
        ImageCacheTest.FakeBuilder b = new ImageCacheTest.FakeBuilder();
        ImageCache elsewhere = new ImageCache(dir.resolve("other"), ImageCacheTest.V, b, MirrorCheck.none());
        FakeRemote remote = new FakeRemote();
        remote.holds = elsewhere.resolve(SPEC).entry();
        ImageCache cache = new ImageCache(dir.resolve("here"), ImageCacheTest.V, b, MirrorCheck.none(), remote, null);
        Image img = cache.resolve(SPEC);
        assertEquals(1, b.builds.get(), "only the other machine built");
        assertEquals(Optional.of(ImageCache.Origin.PULLED), cache.origin(img));
        assertTrue(Files.isRegularFile(img.directory().resolve("etc/pulled")));
        assertTrue(ImageCache.isComplete(img.entry()));
        assertEquals(List.of(), remote.pushed, "a pulled image is not pushed back");
        assertEquals(Optional.of(ImageCache.Origin.LOCAL), cache.origin(cache.resolve(SPEC)));
        assertNull(remote.askedNotBefore.get(0), "no max age: any age is taken");
    }

    @Test
    void aMissEverywhereBuildsAndPushes(@TempDir Path dir) {
        ImageCacheTest.FakeBuilder b = new ImageCacheTest.FakeBuilder();
        FakeRemote remote = new FakeRemote();
        ImageCache cache = new ImageCache(dir, ImageCacheTest.V, b, MirrorCheck.none(), remote, null);
        Image img = cache.resolve(SPEC);
        assertEquals(1, b.builds.get());
        assertEquals(Optional.of(ImageCache.Origin.BUILT_AND_PUSHED), cache.origin(img));
        assertEquals(List.of(img.entry()), remote.pushed);
        assertEquals(Architecture.host(), ImageCache.metadata(img.entry()).getProperty("architecture"));
    }

    @Test
    void aFailedPushKeepsTheImageBuiltHere(@TempDir Path dir) {
        FakeRemote remote = new FakeRemote();
        remote.pushFails = true;
        ImageCache cache = new ImageCache(dir, ImageCacheTest.V, new ImageCacheTest.FakeBuilder(), MirrorCheck.none(), remote, null);
        Image img = cache.resolve(SPEC);
        assertEquals(Optional.of(ImageCache.Origin.BUILT), cache.origin(img));
        assertTrue(ImageCache.isComplete(img.entry()));
    }

    @Test
    void aPulledTreeWithoutMetadataIsNeverPublished(@TempDir Path dir) throws IOException {
        ImageCacheTest.FakeBuilder b = new ImageCacheTest.FakeBuilder();
        FakeRemote remote = new FakeRemote();
        remote.holds = dir;
        remote.sendsGarbage = true;
        ImageCache cache = new ImageCache(dir.resolve("c"), ImageCacheTest.V, b, MirrorCheck.none(), remote, null);
        Image img = cache.resolve(SPEC);
        assertEquals(1, b.builds.get());
        assertFalse(Files.exists(img.directory().resolve("etc/pulled")), "the incomplete download was discarded");
        try (var s = Files.list(dir.resolve("c/.tmp"))) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void anEntryOlderThanMaxAgeIsRebuiltAndTheRemoteIsAskedForANewerOne(@TempDir Path dir) throws IOException {
        ImageCacheTest.FakeBuilder b = new ImageCacheTest.FakeBuilder();
        FakeRemote remote = new FakeRemote();
        ImageCache plain = new ImageCache(dir, ImageCacheTest.V, b, MirrorCheck.none());
        Path entry = plain.resolve(SPEC).entry();
        Properties p = ImageCache.metadata(entry);
        p.setProperty("created", Instant.now().minus(Duration.ofDays(30)).toString());
        try (var out = Files.newOutputStream(entry.resolve(ImageCache.METADATA))) {
            p.store(out, null);
        }
        ImageCache young = new ImageCache(dir, ImageCacheTest.V, b, MirrorCheck.none(), remote, Duration.ofDays(60));
        assertEquals(Optional.of(ImageCache.Origin.LOCAL), young.origin(young.resolve(SPEC)));
        assertEquals(1, b.builds.get());

        ImageCache week = new ImageCache(dir, ImageCacheTest.V, b, MirrorCheck.none(), remote, Duration.ofDays(7));
        Image img = week.resolve(SPEC);
        assertEquals(2, b.builds.get(), "rebuilt");
        assertEquals(Optional.of(ImageCache.Origin.BUILT_AND_PUSHED), week.origin(img), "and pushed anew");
        Instant asked = remote.askedNotBefore.get(0);
        assertNotNull(asked);
        assertTrue(asked.isAfter(Instant.now().minus(Duration.ofDays(8))) && asked.isBefore(Instant.now().minus(Duration.ofDays(6))),
                asked.toString());
        assertTrue(Instant.parse(ImageCache.metadata(img.entry()).getProperty("created")).isAfter(Instant.now().minus(Duration.ofHours(1))));
    }

    @Test
    void fetchNeverBuilds(@TempDir Path dir) {
        ImageCacheTest.FakeBuilder b = new ImageCacheTest.FakeBuilder();
        ImageCache cache = new ImageCache(dir, ImageCacheTest.V, b, MirrorCheck.none(), new FakeRemote(), null);
        assertTrue(cache.fetch(SPEC).isEmpty());
        assertEquals(0, b.builds.get());
    }
}
