package io.github.bootimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds of one distribution release share mkosi's incremental cache slot and package cache; run at
 * once they broke each other ("OSError: [Errno 39] Directory not empty: ... debian~bookworm~x86-64.cache").
 */
class MkosiBuilderLockTest {

    @TempDir
    Path cache;

    @Test
    void buildsOfTheSameReleaseRunOneAfterTheOther() throws Exception {
        ImageSpec a = ImageSpec.of("debian", "bookworm").withPackages("busybox");
        ImageSpec b = ImageSpec.of("debian", "bookworm").withPackages("nginx");
        CountDownLatch firstInside = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> call(a, () -> {
            firstInside.countDown();
            releaseFirst.await(10, TimeUnit.SECONDS);
            return "a";
        }));
        assertTrue(firstInside.await(10, TimeUnit.SECONDS));
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> call(b, () -> "b"));
        Thread.sleep(300);
        assertFalse(second.isDone(), "the second build of debian:bookworm must wait for the first");
        releaseFirst.countDown();
        assertEquals("a", first.get(10, TimeUnit.SECONDS));
        assertEquals("b", second.get(10, TimeUnit.SECONDS));
        assertTrue(Files.exists(cache.resolve(".locks/mkosi-debian-bookworm.lock")));
    }

    @Test
    void buildsOfDifferentReleasesDoNotWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        CompletableFuture<String> bookworm = CompletableFuture.supplyAsync(() -> call(ImageSpec.of("debian", "bookworm"), () -> {
            inside.countDown();
            release.await(10, TimeUnit.SECONDS);
            return "bookworm";
        }));
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        assertEquals("trixie", CompletableFuture.supplyAsync(() -> call(ImageSpec.of("debian", "trixie"), () -> "trixie"))
                .get(5, TimeUnit.SECONDS));
        release.countDown();
        assertEquals("bookworm", bookworm.get(10, TimeUnit.SECONDS));
    }

    private interface Body {
        String run() throws Exception;
    }

    private String call(ImageSpec spec, Body body) {
        try {
            return MkosiBuilder.underReleaseLock(cache, spec, () -> {
                try {
                    return body.run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
