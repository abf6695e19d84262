package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.ImageFormat;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;
import io.github.bootimage.runtime.Settings;

/** Shared base layers: keys, the base built first and once, shared bytes, and the build bound. */
class ImageLayersTest {
    static final MkosiVersion V = MkosiVersion.parse("mkosi 24.3");
    static final ImageSpec BASE = ImageSpec.of("debian", "bookworm");
    static final ImageSpec WITH_JQ = BASE.withPackages("jq", "tree");

    /** Records what each build was given; writes a tree with a file shared by all and one of its own. */
    static final class RecordingBuilder implements ImageBuilder {
        final List<String> builds = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Optional<Path>> bases = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();

        @Override
        public void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile) {
            build(spec, ImageRecipe.of(null), configDir, outputDir, logFile);
        }

        @Override
        public void build(ImageSpec spec, ImageRecipe recipe, Path configDir, Path outputDir, Path logFile) {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                builds.add(String.join(",", spec.packages()));
                bases.add(recipe.baseTree());
                Files.writeString(logFile, "building\n");
                Files.createDirectories(outputDir.resolve("image/usr/lib"));
                Files.writeString(outputDir.resolve("image/usr/lib/libc.so"), "the same bytes in every image");
                Files.writeString(outputDir.resolve("image/usr/lib/own"), "packages " + spec.packages());
                Thread.sleep(150);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.decrementAndGet();
            }
        }
    }

    private static ImageCache cache(Path root, ImageBuilder b, boolean layers, int parallelism) {
        return new ImageCache(root, V, b, MirrorCheck.none(), RemoteCache.NONE, null, layers, parallelism);
    }

    @Test
    void aDirectoryImageIsLayeredOnItsReleasesBase() {
        assertEquals(Optional.of(BASE), ImageCache.baseOf(WITH_JQ));
        assertEquals(Optional.of(BASE), ImageCache.baseOf(BASE.withSsh(true)));
        assertEquals(Optional.of(BASE.withMirror("http://mirror.example/debian")),
                ImageCache.baseOf(WITH_JQ.withMirror("http://mirror.example/debian")));
        assertEquals(Optional.empty(), ImageCache.baseOf(BASE), "the base is built whole");
        assertEquals(Optional.empty(), ImageCache.baseOf(WITH_JQ.withKernel(true).withFormat(ImageFormat.DISK)),
                "qemu's disk images are built whole");
    }

    @Test
    void aChangedBaseChangesItsDependentsKeys(@TempDir Path root) {
        String own = MkosiConfig.of(WITH_JQ, V).key();
        String base = MkosiConfig.of(BASE, V).key();
        assertNotEquals(ImageRecipe.layeredKey(own, base), ImageRecipe.layeredKey(own, base.replace('a', 'b')));
        assertEquals(ImageRecipe.layeredKey(own, base), ImageRecipe.layeredKey(own, base));
        // The base's own inputs: another mirror is another base, and its dependents get other keys.
        ImageCache layered = cache(root, new RecordingBuilder(), true, 0);
        assertNotEquals(layered.entryOf(WITH_JQ), layered.entryOf(WITH_JQ.withMirror("http://mirror.example/debian")));
        // Layered and whole builds of one spec are different entries; the base itself is the same entry either way.
        ImageCache whole = cache(root, new RecordingBuilder(), false, 0);
        assertNotEquals(whole.entryOf(WITH_JQ), layered.entryOf(WITH_JQ));
        assertEquals(whole.entryOf(BASE), layered.entryOf(BASE));
        assertEquals(root.resolve("debian-bookworm-" + ImageRecipe.layeredKey(own, base).substring(0, 12)),
                layered.entryOf(WITH_JQ));
    }

    @Test
    void theBaseIsBuiltOnceAndItsBytesAreShared(@TempDir Path root) throws Exception {
        RecordingBuilder b = new RecordingBuilder();
        ImageCache cache = cache(root, b, true, 0);
        Image jq = cache.resolve(WITH_JQ);
        Image curl = cache.resolve(BASE.withPackages("curl"));
        assertEquals(List.of("", "jq,tree", "curl"), b.builds, "the base first, once");
        Image base = cache.resolve(BASE);
        assertEquals(List.of(Optional.empty(), Optional.of(base.directory()), Optional.of(base.directory())), b.bases);
        Object baseInode = inode(base.directory().resolve("usr/lib/libc.so"));
        assertEquals(baseInode, inode(jq.directory().resolve("usr/lib/libc.so")));
        assertEquals(baseInode, inode(curl.directory().resolve("usr/lib/libc.so")));
        assertNotEquals(inode(base.directory().resolve("usr/lib/own")), inode(jq.directory().resolve("usr/lib/own")));
        assertEquals("packages [jq, tree]", Files.readString(jq.directory().resolve("usr/lib/own")));
        assertFalse(EntryUse.inUse(base.entry()), "the base is free again after the builds");
    }

    @Test
    void layersOffBuildsEachImageWhole(@TempDir Path root) {
        RecordingBuilder b = new RecordingBuilder();
        cache(root, b, false, 0).resolve(WITH_JQ);
        assertEquals(List.of("jq,tree"), b.builds);
        assertEquals(List.of(Optional.empty()), b.bases);
    }

    @Test
    void parallelismBoundsConcurrentBuilds(@TempDir Path root) throws Exception {
        RecordingBuilder b = new RecordingBuilder();
        ImageCache cache = cache(root, b, false, 2);
        ExecutorService pool = Executors.newFixedThreadPool(5);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Image>> images = new ArrayList<>();
        for (String p : List.of("jq", "curl", "tree", "less", "file")) {
            images.add(pool.submit(() -> {
                go.await();
                return cache.resolve(BASE.withPackages(p));
            }));
        }
        go.countDown();
        for (Future<Image> f : images) {
            f.get();
        }
        pool.shutdown();
        assertEquals(5, b.builds.size());
        assertEquals(2, b.maxRunning.get(), "at most two builds at once, and two did run at once");
    }

    @Test
    void sharedFilesLinksOnlyIdenticalFilesAtTheSamePath(@TempDir Path dir) throws IOException {
        Path base = Files.createDirectories(dir.resolve("base/etc"));
        Path image = Files.createDirectories(dir.resolve("image/etc"));
        for (Path d : List.of(base, image)) {
            Files.writeString(d.resolve("same"), "same bytes");
            Files.writeString(d.resolve("other-mode"), "same bytes");
        }
        Files.writeString(base.resolve("other-content"), "bytes one");
        Files.writeString(image.resolve("other-content"), "bytes two");
        Files.setPosixFilePermissions(image.resolve("other-mode"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(image.resolve("only-here"), "same bytes");
        // A path through one of the base's symbolic links leads outside it: never linked.
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("f"), "same bytes");
        Files.createSymbolicLink(base.resolve("lib"), outside);
        Files.createDirectories(image.resolve("lib"));
        Files.writeString(image.resolve("lib/f"), "same bytes");

        SharedFiles.Result r = SharedFiles.link(dir.resolve("image"), dir.resolve("base"));

        assertEquals(new SharedFiles.Result(1, "same bytes".length()), r);
        assertEquals(inode(base.resolve("same")), inode(image.resolve("same")));
        for (String f : List.of("other-mode", "other-content", "lib/f")) {
            assertNotEquals(inode(dir.resolve("base/etc").resolve(f)), inode(image.resolve(f)), f);
        }
        assertEquals("bytes two", Files.readString(image.resolve("other-content")));
        assertEquals(new SharedFiles.Result(0, 0), SharedFiles.link(dir.resolve("image"), dir.resolve("base")),
                "linked files are left as they are");
        try (var s = Files.list(image)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".bootimage-link")), "no temporary link left");
        }
    }

    @Test
    void theMkosiCommandOfALayeredBuild(@TempDir Path dir) {
        MkosiBuilder b = new MkosiBuilder(new ProcessRunner(new HostTools("/usr/bin")), dir, Duration.ofMinutes(1), true);
        ImageRecipe layered = ImageRecipe.layered(MkosiConfig.of(WITH_JQ, V), "00").onBase(dir.resolve("base/image"));
        List<String> cmd = b.command(WITH_JQ, layered, dir.resolve("cfg"), dir.resolve("out"));
        assertTrue(cmd.containsAll(List.of("--base-tree", dir.resolve("base/image").toString())), cmd.toString());
        assertFalse(cmd.contains("--incremental"), "no incremental cache on top of a base: " + cmd);
        int w = cmd.indexOf("--workspace-dir");
        assertEquals(dir.resolve("out/.mkosi-workspace").toString(), cmd.get(w + 1), "the workspace stays in the build's directory");
        assertTrue(b.command(WITH_JQ, ImageRecipe.of(MkosiConfig.of(WITH_JQ, V)), dir.resolve("cfg"), dir.resolve("out"))
                .contains("--incremental"));
        assertFalse(b.command(BASE, ImageRecipe.base(MkosiConfig.of(BASE, V)), dir.resolve("cfg"), dir.resolve("out"))
                .contains("--incremental"), "a base image keeps no incremental cache beside it");
    }

    @Test
    void settingsOfLayersAndParallelism() {
        Settings none = new Settings(k -> Optional.empty());
        assertTrue(none.buildLayers());
        assertEquals(2, none.buildParallelism());
        Settings off = new Settings(k -> Optional.ofNullable(Map.of("bootimage.build.layers", "false", "bootimage.build.parallelism", "1").get(k)));
        assertFalse(off.buildLayers());
        assertEquals(1, off.buildParallelism());
        Settings bad = new Settings(k -> Optional.ofNullable(Map.of("bootimage.build.layers", "yes", "bootimage.build.parallelism", "0").get(k)));
        assertEquals("bootimage.build.layers = 'yes' is not valid: use true or false",
                assertThrows(IllegalArgumentException.class, bad::buildLayers).getMessage());
        assertEquals("bootimage.build.parallelism = '0' is not valid: use a whole number from 1 to 64",
                assertThrows(IllegalArgumentException.class, bad::buildParallelism).getMessage());
    }

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }
}
