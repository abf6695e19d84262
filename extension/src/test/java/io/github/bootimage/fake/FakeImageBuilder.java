package io.github.bootimage.fake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.bootimage.image.ImageBuilder;
import io.github.bootimage.image.ImageSpec;

/**
 * Writes an empty directory image, without mkosi: the image cache's own code runs around it. It counts
 * the builds that run at once ({@link #maxRunning()}); with {@link #waitForPeers(int)} set, a build waits
 * up to 500 ms for that many builds to be running, so that builds the cache lets run together do overlap
 * (and one more than the bound would have joined them, were the bound broken).
 */
public final class FakeImageBuilder implements ImageBuilder {
    private static final AtomicInteger RUNNING = new AtomicInteger();
    private static final AtomicInteger MAX_RUNNING = new AtomicInteger();
    private static volatile int peers;

    /** Clears the counts; each build then waits up to 500 ms until {@code n} builds run (0: no wait). */
    public static void waitForPeers(int n) {
        RUNNING.set(0);
        MAX_RUNNING.set(0);
        peers = n;
    }

    /** The most builds that ran at once since {@link #waitForPeers(int)}. */
    public static int maxRunning() {
        return MAX_RUNNING.get();
    }

    @Override
    public void build(ImageSpec spec, Path configDir, Path outputDir, Path logFile) {
        int now = RUNNING.incrementAndGet();
        MAX_RUNNING.accumulateAndGet(now, Math::max);
        try {
            long until = System.nanoTime() + 500_000_000L;
            while (RUNNING.get() < peers && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            Files.createDirectories(outputDir.resolve("image"));
            Files.writeString(logFile, "local build of " + spec.label() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + spec.label(), e);
        } finally {
            RUNNING.decrementAndGet();
        }
    }
}
