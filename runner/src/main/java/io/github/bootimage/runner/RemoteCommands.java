package io.github.bootimage.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.github.bootimage.image.Architecture;
import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.RemoteCache;
import io.github.bootimage.image.remote.RegistryCache;
import io.github.bootimage.image.remote.RegistryFailure;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bootimage push} and {@code bootimage pull}: moving chosen images to and from the shared cache. */
final class RemoteCommands {
    private RemoteCommands() {
    }

    /** The registry cache of the settings; a usage error when none is set. */
    static RegistryCache registry(BootImageRuntime f) {
        RemoteCache r = f.cache().remote();
        if (r instanceof RegistryCache rc) {
            return rc;
        }
        throw new IllegalArgumentException("No shared image cache is set: give --cache-remote oci://HOST[:PORT]/REPOSITORY"
                + " (or -Dbootimage.cache.remote=...)");
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = {"Push cached images to the shared cache (--cache-remote): entries as 'bootimage images' names them,"
                    + " or --all.", "Exit code 1 when an image could not be pushed."})
    static final class PushCommand implements Callable<Integer> {
        @Parameters(paramLabel = "ENTRY", arity = "0..*", description = "Cache entries, such as debian-bookworm-0123456789ab.")
        List<String> entries = new ArrayList<>();

        @Option(names = "--all", description = "Push every image of the local cache.")
        boolean all;

        @Mixin
        Config config;

        @Override
        public Integer call() throws Exception {
            BootImageRuntime f = config.runtime();
            RegistryCache r = registry(f);
            Path root = f.settings().cacheDir();
            List<Path> dirs = new ArrayList<>();
            if (all) {
                CacheEntries.list(root).forEach(e -> dirs.add(e.dir()));
            }
            for (String e : entries) {
                Path d = root.resolve(e);
                if (!ImageCache.isComplete(d)) {
                    throw new IllegalArgumentException("No complete image '" + e + "' in " + root
                            + ": name an entry that 'bootimage images' lists, or use --all");
                }
                dirs.add(d);
            }
            if (dirs.isEmpty()) {
                throw new IllegalArgumentException("Nothing to push: name entries (see 'bootimage images') or use --all");
            }
            int failed = 0;
            for (Path d : dirs) {
                long t0 = System.nanoTime();
                try {
                    String tag = r.upload(d);
                    System.out.printf("pushed %s to %s:%s in %.1f s%n", d.getFileName(), r.describe(), tag,
                            (System.nanoTime() - t0) / 1e9);
                } catch (RegistryFailure e) {
                    failed++;
                    System.out.println("FAILED " + d.getFileName() + ": " + e.getMessage());
                }
            }
            System.out.printf("%d image(s) pushed, %d failed; %s%n", dirs.size() - failed, failed, r.describe());
            return failed > 0 ? 1 : 0;
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Pull the images of specs such as debian:bookworm from the shared cache (--cache-remote) into the"
                    + " local cache, without building.", "Exit code 1 when the registry has not got one of them."})
    static final class PullCommand implements Callable<Integer> {
        @Parameters(paramLabel = "DISTRO[:RELEASE]", arity = "1..*", description = "Images to pull.")
        List<String> specs = new ArrayList<>();

        @Option(names = "--packages", paramLabel = "PKG", split = ",", description = "Packages of the images (distro:name allowed).")
        List<String> packages = new ArrayList<>();

        @Option(names = "--boot", defaultValue = "AUTO", description = "auto, nspawn or qemu (qemu images are disks with a kernel).")
        Boot boot;

        @Mixin
        Config config;

        @Override
        public Integer call() {
            BootImageRuntime f = config.runtime();
            RegistryCache r = registry(f);
            int missing = 0;
            for (String s : specs) {
                MachineRequest req = ImageRequests.of(s, packages, boot, Transport.AUTO);
                Boot b = f.chooseBoot(req.boot(), req.spec());
                ImageSpec spec = f.effectiveSpec(req.spec(), b, f.settings().transport());
                long t0 = System.nanoTime();
                Optional<Image> img = f.cache().fetch(spec);
                if (img.isEmpty()) {
                    missing++;
                    System.out.println("MISSING " + spec.label() + ": " + r.describe() + " has no image of it for "
                            + Architecture.host() + " (or could not be used: see the warning above); build it with"
                            + " 'bootimage build " + s + "'");
                } else {
                    System.out.println(spec.label() + ": " + ImageRequests.outcome(f, img.get(), t0));
                }
            }
            System.out.printf("%d image(s) ready, %d missing; cache %s%n", specs.size() - missing, missing, f.settings().cacheDir());
            return missing > 0 ? 1 : 0;
        }
    }

    /** {@code bootimage images --remote}: what the registry holds for this project. */
    static int listRemote(BootImageRuntime f) throws RegistryFailure {
        RegistryCache r = registry(f);
        List<RegistryCache.RemoteImage> images = r.list();
        System.out.println("shared cache: " + r.describe());
        if (images.isEmpty()) {
            System.out.println("no images (a build with --cache-remote pushes them, or 'bootimage push --all')");
            return 0;
        }
        Path root = f.settings().cacheDir();
        System.out.printf("%-34s %-18s %-8s %10s %10s %-5s %s%n", "entry", "spec", "arch", "size", "built", "here", "packages");
        long total = 0;
        for (RegistryCache.RemoteImage i : images) {
            String key = i.get("key");
            String entry = i.get("distro") + "-" + i.get("release") + "-" + (key.length() >= 12 ? key.substring(0, 12) : key);
            long size = parseLong(i.get("size"));
            total += Math.max(0, size);
            Instant created = parseInstant(i.get("created"));
            System.out.printf("%-34s %-18s %-8s %10s %10s %-5s %s%n", entry, i.get("distro") + ":" + i.get("release"),
                    i.get("architecture"), CacheEntries.size(size), created == null ? "?" : CacheEntries.ago(created),
                    Files.isDirectory(root.resolve(entry)) && ImageCache.isComplete(root.resolve(entry)) ? "yes" : "no",
                    MatrixReport.shorten(i.get("packages"), 60));
        }
        System.out.printf("%d image(s), %s compressed%n", images.size(), CacheEntries.size(total));
        return 0;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Instant parseInstant(String s) {
        try {
            return Instant.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
