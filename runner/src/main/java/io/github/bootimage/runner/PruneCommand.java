package io.github.bootimage.runner;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bootimage prune}: removes images unused for a while, then the least recently used beyond a total size. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Remove cached images by age and by total size, least recently used first.",
                "An image a running machine uses (in any JVM) is never removed."})
final class PruneCommand implements Callable<Integer> {
    @Mixin
    Config config;

    @Option(names = "--older-than", paramLabel = "AGE", description = "Remove images not used for AGE (30m, 12h, 14d, 2w).")
    String olderThan;

    @Option(names = "--max-size", paramLabel = "SIZE", description = "Then remove the least recently used until the cache holds at most SIZE (500M, 10G, 0).")
    String maxSize;

    @Option(names = "--dry-run", description = "Only say what would be removed.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        if (olderThan == null && maxSize == null) {
            throw new IllegalArgumentException("Say what to prune: --older-than AGE, --max-size SIZE, or both");
        }
        Duration age = olderThan == null ? null : CacheEntries.parseAge(olderThan);
        long max = maxSize == null ? Long.MAX_VALUE : CacheEntries.parseSize(maxSize);
        Path root = config.settings().cacheDir();
        List<CacheEntries.Entry> entries = CacheEntries.list(root);
        long total = entries.stream().mapToLong(e -> Math.max(0, e.bytes())).sum();
        int removed = 0;
        long freed = 0;
        for (CacheEntries.Entry e : entries) { // least recently used first
            boolean old = age != null && e.lastUsed().isBefore(Instant.now().minus(age));
            boolean over = total > max;
            if (!old && !over) {
                continue;
            }
            String why = old ? "unused for " + CacheEntries.ago(e.lastUsed()).replace(" ago", "") : "cache over " + maxSize;
            String name = e.dir().getFileName().toString();
            if (dryRun) {
                System.out.printf("would remove %s (%s, %s): %s%s%n", name, e.spec(), CacheEntries.size(e.bytes()), why,
                        e.inUse() ? " [in use: would be kept]" : "");
                continue;
            }
            boolean done = e.removeIfUnused();
            if (done) {
                removed++;
                freed += Math.max(0, e.bytes());
                total -= Math.max(0, e.bytes());
                System.out.printf("removed %s (%s, %s): %s%n", name, e.spec(), CacheEntries.size(e.bytes()), why);
            } else {
                System.out.printf("kept %s (%s): in use by a running machine%n", name, e.spec());
            }
        }
        System.out.printf("pruned %d image(s), freed %s; cache %s now holds %s%n", removed, CacheEntries.size(freed), root,
                CacheEntries.size(total));
        return 0;
    }
}
