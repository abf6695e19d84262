package io.github.bootimage.runner;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bootimage images}: the cached images with size, age, last use and whether a machine uses them. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "List the cached images, or with --remote those of the shared cache (--cache-remote).")
final class ImagesCommand implements Callable<Integer> {
    @Mixin
    Config config;

    @Option(names = "--remote", description = "List what the shared cache (--cache-remote) holds for this project.")
    boolean remote;

    @Override
    public Integer call() throws Exception {
        if (remote) {
            try {
                return RemoteCommands.listRemote(config.runtime());
            } catch (io.github.bootimage.image.remote.RegistryFailure e) {
                System.out.println("Could not list " + config.settings().get("cache.remote").orElse("") + ": " + e.getMessage());
                return 1;
            }
        }
        Path root = config.settings().cacheDir();
        List<CacheEntries.Entry> entries = CacheEntries.list(root);
        System.out.println("cache: " + root);
        if (entries.isEmpty()) {
            System.out.println("no cached images (build some with 'bootimage build debian:bookworm')");
            return 0;
        }
        System.out.printf("%-34s %-18s %10s %10s %10s %-6s %s%n", "entry", "spec", "size", "built", "last use", "in use", "packages");
        long total = 0;
        for (CacheEntries.Entry e : recentFirst(entries)) {
            total += Math.max(0, e.bytes());
            System.out.printf("%-34s %-18s %10s %10s %10s %-6s %s%n", e.dir().getFileName(), e.spec(),
                    CacheEntries.size(e.bytes()), CacheEntries.ago(e.created()), CacheEntries.ago(e.lastUsed()),
                    e.inUse() ? "yes" : "no", MatrixReport.shorten(e.packages(), 60));
        }
        System.out.printf("%d image(s), %s%n", entries.size(), CacheEntries.size(total));
        return 0;
    }

    private static List<CacheEntries.Entry> recentFirst(List<CacheEntries.Entry> e) {
        List<CacheEntries.Entry> out = new java.util.ArrayList<>(e);
        java.util.Collections.reverse(out);
        return out;
    }
}
