package io.github.bootimage.runner;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.bootimage.runtime.CacheEntry;

/** The complete entries of an image cache directory, read from their metadata files. */
final class CacheEntries {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern AGE = Pattern.compile("(\\d+)\\s*(m|h|d|w)");

    private CacheEntries() {
    }

    /**
     * One entry and its size on disk.
     *
     * @param cached the entry as the runtime reads it
     * @param bytes  its size on disk, or -1 when du could not tell
     */
    record Entry(CacheEntry cached, long bytes) {
        Path dir() {
            return cached.dir();
        }

        String spec() {
            return cached.spec();
        }

        String packages() {
            return cached.packages();
        }

        Instant created() {
            return cached.created();
        }

        Instant lastUsed() {
            return cached.lastUsed();
        }

        boolean inUse() {
            return cached.inUse();
        }

        boolean removeIfUnused() {
            return cached.removeIfUnused();
        }
    }

    /** Entries, least recently used first. */
    static List<Entry> list(Path root) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (CacheEntry e : CacheEntry.list(root)) {
            out.add(new Entry(e, du(e.dir())));
        }
        return out;
    }

    /** Bytes on disk under a directory ({@code du -sb}: images hold root-owned files and device nodes). */
    static long du(Path dir) {
        try {
            var r = io.github.bootimage.process.ProcessRunner.onHostPath()
                    .capture(List.of("du", "-sb", "--one-file-system", dir.toString()), null, null, java.time.Duration.ofMinutes(2));
            if (!r.result().succeeded()) {
                return -1;
            }
            return Long.parseLong(new String(r.stdout(), java.nio.charset.StandardCharsets.UTF_8).split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String size(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        String[] u = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = 0;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, i == 0 ? "%.0f %s" : "%.1f %s", v, u[i]);
    }

    static String ago(Instant t) {
        Duration d = Duration.between(t, Instant.now());
        if (d.toMinutes() < 1) {
            return d.toSeconds() + "s ago";
        }
        if (d.toHours() < 1) {
            return d.toMinutes() + "m ago";
        }
        if (d.toDays() < 1) {
            return d.toHours() + "h ago";
        }
        return d.toDays() + "d ago";
    }

    /** {@code 500M}, {@code 10G}, {@code 1.5GiB}, {@code 0}. */
    static long parseSize(String s) {
        Matcher m = SIZE.matcher(s.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("Size '" + s + "' is not valid: give bytes or a number with K, M, G or T, such as 10G");
        }
        double v = Double.parseDouble(m.group(1));
        int exp = "KMGT".indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 1;
        return (long) (v * Math.pow(1024, exp));
    }

    /** {@code 30m}, {@code 12h}, {@code 7d}, {@code 2w}. */
    static Duration parseAge(String s) {
        Matcher m = AGE.matcher(s.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("Age '" + s + "' is not valid: give a number with m, h, d or w, such as 14d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "w" -> Duration.ofDays(7 * n);
            default -> Duration.ofDays(n);
        };
    }
}
