package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.BootImageException;
import io.github.bootimage.ImageBuildException;

/** The cache's contract with a fake builder: hit, miss, partial entries, failures, concurrency. */
class ImageCacheTest {
    static final MkosiVersion V = MkosiVersion.parse("mkosi 24.3");
    static final ImageSpec SPEC = ImageSpec.of("debian", "bookworm");

    /** Writes an "image" directory; counts calls; optionally fails or waits. */
    static final class FakeBuilder implements ImageBuilder {
        final AtomicInteger builds = new AtomicInteger();
        volatile boolean fail;

        @Override
        public void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile) {
            builds.incrementAndGet();
            try {
                assertTrue(Files.isRegularFile(configDir.resolve("mkosi.conf")), "config written before the build");
                Files.writeString(logFile, "building\n");
                Files.createDirectories(outputDir.resolve("image/etc"));
                Files.writeString(outputDir.resolve("image/etc/os-release"), "ID=debian\n");
                Thread.sleep(200);
                if (fail) {
                    throw new ImageBuildException("fake build failed; full log: " + logFile);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void missBuildsOnceThenHits(@TempDir Path root) {
        FakeBuilder b = new FakeBuilder();
        ImageCache cache = new ImageCache(root, V, b, MirrorCheck.none());
        Image first = cache.resolve(SPEC);
        Image second = cache.resolve(SPEC);
        assertEquals(1, b.builds.get());
        assertEquals(first.entry(), second.entry());
        assertTrue(first.name().startsWith("debian-bookworm-"), first.name());
        assertTrue(ImageCache.isComplete(first.entry()));
        assertEquals("bookworm", ImageCache.metadata(first.entry()).getProperty("release"));
        assertTrue(Files.isRegularFile(first.entry().resolve("mkosi/mkosi.conf")), "the configuration is kept with the image");
    }

    @Test
    void anEntryWithoutMetadataIsRebuilt(@TempDir Path root) throws IOException {
        FakeBuilder b = new FakeBuilder();
        ImageCache cache = new ImageCache(root, V, b, MirrorCheck.none());
        Path entry = cache.entryOf(SPEC);
        Files.createDirectories(entry.resolve("image"));
        Files.writeString(entry.resolve("image/half-written"), "x");
        Image img = cache.resolve(SPEC);
        assertEquals(1, b.builds.get());
        assertFalse(Files.exists(img.directory().resolve("half-written")), "the partial entry was replaced");
    }

    @Test
    void aFailedBuildsMessageNamesTheLogThatStaysAndASuccessfulBuildKeepsItsLogInItsEntry(@TempDir Path root)
            throws IOException {
        FakeBuilder b = new FakeBuilder();
        b.fail = true;
        ImageCache cache = new ImageCache(root, V, b, MirrorCheck.none());
        Path kept = root.resolve(".failed").resolve(cache.entryOf(SPEC).getFileName() + ".log");
        ImageBuildException e = assertThrows(ImageBuildException.class, () -> cache.resolve(SPEC));
        assertEquals("fake build failed; full log: " + kept, e.getMessage());
        assertEquals("building\n", Files.readString(kept));
        b.fail = false;
        Image img = cache.resolve(SPEC);
        assertEquals("building\n", Files.readString(img.entry().resolve("build.log")));
        assertFalse(Files.exists(kept), "a later success takes the log into its entry");
    }

    @Test
    void aFailedBuildLeavesNothingThatALaterRunUses(@TempDir Path root) throws IOException {
        FakeBuilder b = new FakeBuilder();
        b.fail = true;
        ImageCache cache = new ImageCache(root, V, b, MirrorCheck.none());
        assertThrows(ImageBuildException.class, () -> cache.resolve(SPEC));
        assertFalse(Files.exists(cache.entryOf(SPEC)));
        try (var s = Files.list(root.resolve(".tmp"))) {
            assertEquals(0, s.count(), "temporary build directories are removed");
        }
        assertTrue(Files.exists(root.resolve(".failed").resolve(cache.entryOf(SPEC).getFileName() + ".log")), "the log is kept");
        b.fail = false;
        cache.resolve(SPEC);
        assertEquals(2, b.builds.get());
    }

    @Test
    void concurrentResolutionsBuildOnce(@TempDir Path root) throws Exception {
        FakeBuilder b = new FakeBuilder();
        ImageCache cache = new ImageCache(root, V, b, MirrorCheck.none());
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Image>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(pool.submit(() -> {
                go.await();
                return cache.resolve(SPEC);
            }));
        }
        go.countDown();
        for (Future<Image> f : all) {
            assertEquals(cache.entryOf(SPEC), f.get().entry());
        }
        pool.shutdown();
        assertEquals(1, b.builds.get());
    }

    @Test
    void unwritableCacheDirectorySaysWhatToSet(@TempDir Path root) throws IOException {
        Path file = Files.writeString(root.resolve("not-a-dir"), "x");
        ImageCache cache = new ImageCache(file.resolve("cache"), V, new FakeBuilder(), MirrorCheck.none());
        BootImageException e = assertThrows(BootImageException.class, () -> cache.resolve(SPEC));
        assertTrue(e.getMessage().contains("Set bootimage.cache.dir"), e.getMessage());
        assertTrue(e.getMessage().contains(file.resolve("cache").toString()), e.getMessage());
    }

    @Test
    void unreachableMirrorFailsBeforeTheBuildNamingTheSetting(@TempDir Path root) {
        FakeBuilder b = new FakeBuilder();
        ImageCache cache = new ImageCache(root, V, b, new MirrorCheck(java.time.Duration.ofSeconds(2)));
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withMirror("http://127.0.0.1:9/debian");
        MirrorUnavailableException e = assertThrows(MirrorUnavailableException.class, () -> cache.resolve(spec));
        assertEquals(0, b.builds.get());
        assertTrue(e.getMessage().startsWith("The package mirror of debian (http://127.0.0.1:9/debian) cannot be reached"), e.getMessage());
        assertTrue(e.getMessage().contains("Set bootimage.mirror.debian"), e.getMessage());
        assertTrue(e.getMessage().contains("bootimage.unavailable=skip"), e.getMessage());
    }
}
