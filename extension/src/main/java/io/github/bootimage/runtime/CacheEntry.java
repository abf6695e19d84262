package io.github.bootimage.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import io.github.bootimage.image.EntryUse;
import io.github.bootimage.image.ImageCache;

/**
 * One complete entry of an image cache directory, as the runner's {@code images} and {@code prune} commands
 * see it: what it holds and when it was made and last used, whether a machine uses it now, and its
 * removal (never while a machine uses it). The runner reaches the cache's files through this, not through
 * the image package's classes.
 *
 * @param dir      the entry directory
 * @param spec     {@code distro:release}
 * @param packages the packages it was built with, as its metadata lists them
 * @param created  when it was built
 * @param lastUsed when a machine last resolved it
 */
public record CacheEntry(Path dir, String spec, String packages, Instant created, Instant lastUsed) {

    /** The complete entries under {@code root} (none when it does not exist), least recently used first. */
    public static List<CacheEntry> list(Path root) throws IOException {
        List<CacheEntry> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path dir : s.filter(Files::isDirectory).filter(ImageCache::isComplete).toList()) {
                Properties p = ImageCache.metadata(dir);
                Instant created = parse(p.getProperty("created"), Files.getLastModifiedTime(dir.resolve(ImageCache.METADATA)).toInstant());
                Path used = dir.resolve(ImageCache.LAST_USED);
                Instant lastUsed = Files.exists(used) ? Files.getLastModifiedTime(used).toInstant() : created;
                out.add(new CacheEntry(dir, p.getProperty("distro") + ":" + p.getProperty("release"),
                        p.getProperty("packages", ""), created, lastUsed));
            }
        }
        out.sort(Comparator.comparing(CacheEntry::lastUsed));
        return out;
    }

    private static Instant parse(String s, Instant dflt) {
        try {
            return s == null ? dflt : Instant.parse(s);
        } catch (RuntimeException e) {
            return dflt;
        }
    }

    /** Whether a running machine (of any JVM on this host) uses the entry now. */
    public boolean inUse() {
        return EntryUse.inUse(dir);
    }

    /** Removes the entry unless a machine uses it; true when it was removed. */
    public boolean removeIfUnused() {
        return EntryUse.ifUnused(dir, () -> ImageCache.deleteTree(dir));
    }
}
