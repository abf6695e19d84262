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

/** One holder per lock file at a time, across threads; the file and its directory are made on demand. */
class KeyedFileLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondThreadWaitsUntilTheFirstReleases() throws Exception {
        Path file = dir.resolve("locks/a.lock");
        CountDownLatch acquired = new CountDownLatch(1);
        CompletableFuture<Void> second;
        try (KeyedFileLock first = KeyedFileLock.acquire(file)) {
            assertTrue(Files.exists(file));
            second = CompletableFuture.runAsync(() -> {
                try (KeyedFileLock l = KeyedFileLock.acquire(file)) {
                    acquired.countDown();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertFalse(acquired.await(300, TimeUnit.MILLISECONDS), "the second holder waits while the first holds it");
        }
        assertTrue(acquired.await(10, TimeUnit.SECONDS), "and gets it once the first released it");
        second.get(10, TimeUnit.SECONDS);
    }

    @Test
    void differentFilesDoNotWaitForEachOther() throws Exception {
        try (KeyedFileLock a = KeyedFileLock.acquire(dir.resolve("a.lock"))) {
            CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> {
                try (KeyedFileLock l = KeyedFileLock.acquire(dir.resolve("b.lock"))) {
                    return 1;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(1, b.get(10, TimeUnit.SECONDS));
        }
    }
}
