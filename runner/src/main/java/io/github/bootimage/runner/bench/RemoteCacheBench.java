package io.github.bootimage.runner.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageBuilder;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.remote.LocalRegistry;
import io.github.bootimage.image.remote.RegistryCache;
import io.github.bootimage.image.remote.RemoteSettings;
import io.github.bootimage.runtime.Settings;
import io.github.bootimage.process.ProcessRunner;

/**
 * Issue "shared image cache": one image built and pushed to a docker-registry on 127.0.0.1, then
 * pulled by a second machine (an empty image cache) instead of built. The build is a full mkosi build
 * (warm package cache, no incremental cache: what a machine without the shared cache does for an image
 * it has never built); target: the pull takes at most a quarter of build and push. Beside it, the
 * strictest local alternative: a build that reuses mkosi's incremental cache (the package layer).
 */
public final class RemoteCacheBench implements BenchSection {

    @Override
    public String name() {
        return "remote";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        ProcessRunner runner = ctx.factory().runner();
        MkosiVersion v = MkosiVersion.detect(runner);
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "bootimage-bench-remote");
        List<BenchRow> rows = new ArrayList<>();
        try (LocalRegistry registry = LocalRegistry.plain(work.resolve("registry"))) {
            Map<String, String> s = Map.of("bootimage.cache.remote", registry.url("bench/images"));
            RemoteSettings rs = RemoteSettings.of(new Settings(k -> Optional.ofNullable(s.get(k)))).orElseThrow();
            List<String> warnings = new ArrayList<>();
            Path tree = Files.createDirectories(work.resolve("tree/etc"));
            Files.writeString(tree.resolve("bench-marker"), Long.toString(System.nanoTime()));
            ImageSpec spec = ctx.factory().effectiveSpec(ImageSpec.of("debian", "bookworm").withExtraTrees(work, "tree"),
                    Boot.NSPAWN, Transport.CONSOLE);

            MkosiBuilder mkosi = new MkosiBuilder(runner, ctx.factory().settings().cacheDir(), Duration.ofMinutes(30), false);
            AtomicLong buildNanos = new AtomicLong();
            ImageBuilder timed = (sp, config, out, log) -> {
                long t = System.nanoTime();
                mkosi.build(sp, config, out, log);
                buildNanos.set(System.nanoTime() - t);
            };
            ImageCache first = new ImageCache(work.resolve("machine-1"), v, timed, MirrorCheck.none(),
                    new RegistryCache(rs, warnings::add), null);
            ctx.log().println("bench: build (warm package cache, no incremental cache) and push to " + registry.url("bench/images") + " ...");
            long t = System.nanoTime();
            Image built = first.resolve(spec);
            double buildAndPush = Stats.since(t) / 1000;
            double build = buildNanos.get() / 1e9;
            if (first.origin(built).orElse(null) != ImageCache.Origin.BUILT_AND_PUSHED) {
                throw new IllegalStateException("the image was not pushed: " + warnings);
            }

            ImageBuilder mustNotRun = (sp, config, out, log) -> {
                throw new IllegalStateException("the second machine built instead of pulling: " + warnings);
            };
            ImageCache second = new ImageCache(work.resolve("machine-2"), v, mustNotRun, MirrorCheck.none(),
                    new RegistryCache(rs, warnings::add), null);
            ctx.log().println("bench: pull into an empty cache ...");
            t = System.nanoTime();
            Image pulled = second.resolve(spec);
            double pull = Stats.since(t) / 1000;
            if (second.origin(pulled).orElse(null) != ImageCache.Origin.PULLED) {
                throw new IllegalStateException("the image was not pulled: " + warnings);
            }
            long bytes = blobBytes(registry);

            // The strictest local alternative: a machine whose mkosi incremental cache already holds the package layer.
            ImageCache third = new ImageCache(work.resolve("machine-3"), v, new MkosiBuilder(runner,
                    ctx.factory().settings().cacheDir(), Duration.ofMinutes(30), true), MirrorCheck.none());
            ctx.log().println("bench: the same image built with mkosi's incremental cache ...");
            third.resolve(spec); // warms the package layer if mkosi's incremental cache lacks it
            Files.writeString(tree.resolve("bench-marker"), Long.toString(System.nanoTime())); // a new key, the same layer
            t = System.nanoTime();
            third.resolve(spec);
            double incremental = Stats.since(t) / 1000;

            rows.add(new BenchRow(name(), "build + push of debian:bookworm (directory image)", buildAndPush, "s",
                    null, Double.NaN, null, null));
            rows.add(new BenchRow(name(), "of which the push (pack with tar+zstd, upload)", buildAndPush - build, "s",
                    "the build alone", build, null, null));
            rows.add(new BenchRow(name(), "pull into an empty cache (download, verify, unpack, publish)", pull, "s",
                    "build + push of the same image", buildAndPush, "<= 0.25x build + push", pull <= 0.25 * buildAndPush));
            rows.add(new BenchRow(name(), "pull into an empty cache", pull, "s",
                    "build reusing mkosi's incremental cache (package layer cached)", incremental, null, null));
            rows.add(new BenchRow(name(), "compressed artifact in the registry", bytes / 1e6, "MB", null, Double.NaN, null, null));
        } finally {
            ImageCache.deleteTree(work);
        }
        return rows;
    }

    private static long blobBytes(LocalRegistry r) throws java.io.IOException {
        Path blobs = r.storage().resolve("docker/registry/v2/blobs");
        if (!Files.isDirectory(blobs)) {
            return -1;
        }
        try (var s = Files.walk(blobs)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
