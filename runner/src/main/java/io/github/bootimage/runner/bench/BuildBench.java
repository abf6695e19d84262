package io.github.bootimage.runner.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.RemoteCache;
import io.github.bootimage.process.ProcessRunner;

/**
 * Issue 15, points 1-3: the samples' Debian directory images (bookworm and trixie) built into an empty cache with shared base
 * layers and parallel builds off (bootimage.build.layers=false, bootimage.build.parallelism=1: one full mkosi
 * build per image, mkosi's incremental cache beside each) and then on, with the same warm package cache
 * (warmed first by one build of every package involved); the time and the cache's disk use (without the
 * package cache, hard links counted once) of each; and an image with two extra packages over a cached base
 * next to a full build of the same image.
 */
public final class BuildBench implements BenchSection {

    /**
     * The samples' Debian directory images: bookworm's (ShellImageDebianTest, AcrossDistributionsTest's
     * bookworm entry, OwnFilesTest and TwoMachinesTest's server without their trees and scripts, which change
     * neither layer) and trixie's (AcrossDistributionsTest's trixie entry, NamedNetworkTest's busybox
     * machine). The samples' other images (Ubuntu's, Fedora's from a repository made by
     * scripts/make-rpm-repo.sh, the qemu disk, the mkosi project) are left out: the bench builds each
     * image twice and must stay short.
     */
    static final List<ImageSpec> SAMPLES = List.of(
            ImageSpec.of("debian", "bookworm").withPackages("bash", "coreutils", "util-linux", "systemd", "rpm"),
            ImageSpec.of("debian", "bookworm").withPackages("iproute", "debian:procps"),
            ImageSpec.of("debian", "bookworm").withPackages("busybox"),
            ImageSpec.of("debian", "trixie").withPackages("iproute", "debian:procps"),
            ImageSpec.of("debian", "trixie").withPackages("busybox"));

    /** The releases of {@link #SAMPLES}, in order. */
    static List<String> releases() {
        return SAMPLES.stream().map(ImageSpec::release).distinct().toList();
    }

    /** The image with two extra packages over the base. */
    static final ImageSpec TWO_EXTRA = ImageSpec.of("debian", "bookworm").withPackages("jq", "tree");

    @Override
    public String name() {
        return "build";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        ProcessRunner runner = ctx.factory().runner();
        MkosiVersion v = MkosiVersion.detect(runner);
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "bootimage-bench-build");
        List<BenchRow> rows = new ArrayList<>();
        try {
            // The warm package caches both runs share: one build per release with every package of its images.
            Path packages = Files.createDirectories(dir.resolve("packages"));
            for (String release : releases()) {
                Path own = ctx.factory().settings().cacheDir().resolve("packages/debian-" + release);
                if (Files.isDirectory(own)) {
                    // A copy of the run's own package cache: the warm-up then downloads only what it lacks.
                    ProcessRunner.Result cp = ProcessRunner.onHostPath().run(List.of("cp", "-a", "--reflink=auto", own.toString(),
                            packages.resolve("debian-" + release).toString()), Duration.ofMinutes(10));
                    if (!cp.succeeded()) {
                        throw new IllegalStateException("Could not copy the package cache " + own + ": " + cp.output());
                    }
                }
                Set<String> all = new LinkedHashSet<>();
                SAMPLES.stream().filter(s -> s.release().equals(release)).forEach(s -> all.addAll(s.packages()));
                if (release.equals(TWO_EXTRA.release())) {
                    all.addAll(TWO_EXTRA.packages());
                }
                ctx.log().println("bench: warming the package cache of " + release + " (one build with " + all + ") ...");
                Path warm = root(dir, "warm-" + release, packages);
                cache(runner, v, warm, false, 1, false).resolve(ImageSpec.of("debian", release).withPackages(all.toArray(String[]::new)));
                ImageCache.deleteTree(warm);
            }

            ctx.log().println("bench: " + SAMPLES.size() + " images, layers and parallelism off ...");
            Path off = root(dir, "off", packages);
            double tOff = buildAll(cache(runner, v, off, false, 1, true), 1);
            long duOff = du(off);
            ctx.log().println("bench: the same images, layers on, parallelism 2 ...");
            Path on = root(dir, "on", packages);
            ImageCache layered = cache(runner, v, on, true, 2, true);
            double tOn = buildAll(layered, 2);
            long duOn = du(on);
            rows.add(new BenchRow(name(), "build " + SAMPLES.size() + " sample images (bookworm, trixie), empty cache, layers+parallel",
                    tOn, "s", "layers off, parallelism 1", tOff, "<= 0.5x", tOn <= 0.5 * tOff));
            rows.add(new BenchRow(name(), "cache disk use after it (no package cache)", duOn / 1e6, "MB",
                    "layers off, parallelism 1", duOff / 1e6, "<= 0.4x", duOn <= 0.4 * duOff));

            ctx.log().println("bench: two extra packages over the cached base, then a full build of the same image ...");
            long t = System.nanoTime();
            layered.resolve(TWO_EXTRA);
            double tLayer = Stats.since(t) / 1000;
            t = System.nanoTime();
            cache(runner, v, on, false, 1, false).resolve(TWO_EXTRA);
            double tFull = Stats.since(t) / 1000;
            rows.add(new BenchRow(name(), "image with 2 extra packages over a cached base", tLayer, "s",
                    "full build of the same image", tFull, "<= 0.25x", tLayer <= 0.25 * tFull));
            return rows;
        } finally {
            ImageCache.deleteTree(dir);
        }
    }

    /** An empty cache directory whose package cache is the shared one. */
    private static Path root(Path dir, String name, Path packages) throws Exception {
        Path root = Files.createDirectories(dir.resolve(name));
        Files.createSymbolicLink(root.resolve("packages"), packages);
        return root;
    }

    private static ImageCache cache(ProcessRunner runner, MkosiVersion v, Path root, boolean layers, int parallelism,
                                    boolean incremental) {
        return new ImageCache(root, v, new MkosiBuilder(runner, root, Duration.ofMinutes(30), incremental),
                MirrorCheck.none(), RemoteCache.NONE, null, layers, parallelism);
    }

    /** Builds the samples' images as {@code bootimage build} does, with {@code threads} at once; seconds. */
    private static double buildAll(ImageCache cache, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t = System.nanoTime();
            List<Future<?>> all = new ArrayList<>();
            for (ImageSpec s : ImageSpec.inTurnsByRelease(SAMPLES, x -> x)) {
                all.add(pool.submit(() -> cache.resolve(s)));
            }
            for (Future<?> f : all) {
                f.get();
            }
            return Stats.since(t) / 1000;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Bytes under a cache root, hard links counted once, the package cache (a symbolic link) left out. */
    private static long du(Path root) throws Exception {
        ProcessRunner.Result r = ProcessRunner.onHostPath().run(List.of("du", "-s", "-B1", root.toString()), Duration.ofMinutes(5));
        if (!r.succeeded()) {
            throw new IllegalStateException("du failed: " + r.output());
        }
        return Long.parseLong(r.output().strip().split("\\s+")[0]);
    }
}
