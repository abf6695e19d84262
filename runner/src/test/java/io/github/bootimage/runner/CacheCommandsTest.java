package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.image.EntryUse;
import io.github.bootimage.image.ImageCache;

/** images and prune on a cache of small stand-in entries (the image tier does it on real images). */
class CacheCommandsTest {
    @TempDir
    Path cache;

    private Path entry(String name, Duration unused, int kib) throws Exception {
        Path e = Files.createDirectories(cache.resolve(name));
        Files.createDirectories(e.resolve("image"));
        Files.write(e.resolve("image").resolve("blob"), new byte[kib * 1024]);
        String[] dr = name.split("-");
        Files.writeString(e.resolve(ImageCache.METADATA), "distro=" + dr[0] + "\nrelease=" + dr[1] + "\npackages=systemd,bash\n"
                + "created=" + Instant.now().minus(unused).toString().replace(":", "\\:") + "\n");
        Files.createFile(e.resolve(ImageCache.LAST_USED));
        Files.setLastModifiedTime(e.resolve(ImageCache.LAST_USED), FileTime.from(Instant.now().minus(unused)));
        return e;
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void imagesListsSpecSizeAgeAndUse() throws Exception {
        entry("debian-bookworm-aaaaaaaaaaaa", Duration.ofDays(3), 64);
        Path inUse = entry("debian-trixie-bbbbbbbbbbbb", Duration.ofMinutes(5), 32);
        try (EntryUse u = EntryUse.acquire(inUse)) {
            Run r = run("images", "--cache-dir", cache.toString());
            assertEquals(0, r.code(), r::toString);
            String[] lines = r.out().split("\n");
            assertTrue(lines[2].matches("debian-trixie-bbbbbbbbbbbb +debian:trixie +\\d+\\.\\d KiB +\\d+[sm] ago +5m ago +yes +systemd,bash"), lines[2]);
            assertTrue(lines[3].matches("debian-bookworm-aaaaaaaaaaaa +debian:bookworm +\\d+\\.\\d KiB +3d ago +3d ago +no +systemd,bash"), lines[3]);
            assertTrue(lines[4].startsWith("2 image(s), "), lines[4]);
        }
    }

    @Test
    void pruneByAgeAndSizeLeastRecentlyUsedFirstAndNeverAnImageInUse() throws Exception {
        Path old = entry("debian-bookworm-aaaaaaaaaaaa", Duration.ofDays(30), 64);
        Path oldInUse = entry("debian-bookworm-cccccccccccc", Duration.ofDays(20), 64);
        Path recent = entry("debian-trixie-bbbbbbbbbbbb", Duration.ofMinutes(5), 64);
        try (EntryUse u = EntryUse.acquire(oldInUse)) {
            Run r = run("prune", "--cache-dir", cache.toString(), "--older-than", "14d");
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("removed debian-bookworm-aaaaaaaaaaaa (debian:bookworm, "), r.out());
            assertTrue(r.out().contains("kept debian-bookworm-cccccccccccc (debian:bookworm): in use by a running machine"), r.out());
            assertFalse(Files.exists(old));
            assertTrue(Files.exists(oldInUse));
            assertTrue(Files.exists(recent));
        }
        Run r = run("prune", "--cache-dir", cache.toString(), "--max-size", "100K");
        assertTrue(r.out().startsWith("removed debian-bookworm-cccccccccccc"), r.out());
        assertFalse(Files.exists(oldInUse));
        assertTrue(Files.exists(recent), "the most recently used image fits in 100K");
    }

    @Test
    void badArgumentsExitWith2AndSayWhatIsAccepted() {
        Run r = run("prune", "--cache-dir", cache.toString(), "--older-than", "fortnight");
        assertEquals(2, r.code());
        assertEquals("bootimage prune: Age 'fortnight' is not valid: give a number with m, h, d or w, such as 14d\n", r.err());
        assertEquals("bootimage prune: Say what to prune: --older-than AGE, --max-size SIZE, or both\n",
                run("prune", "--cache-dir", cache.toString()).err());
        assertThrows(IllegalArgumentException.class, () -> CacheEntries.parseSize("ten gigs"));
        assertEquals(10L << 30, CacheEntries.parseSize("10G"));
        Run c = run("test", "--cp", cache.toString(), "-c", "does.not.Exist");
        assertEquals(2, c.code());
        assertEquals("bootimage test: Test class 'does.not.Exist' is not on the test classpath [" + cache
                + "]: check the name (package included) and --classpath\n", c.err());
        Run p = run("test", "--cp", cache.toString(), "-p", "no.such.pkg");
        assertEquals("bootimage test: No test classes found in the selection (classes [], packages [no.such.pkg],"
                + " classpath [" + cache + "])\n", p.err());
        Run t = run("test", "--cp", cache.resolve("missing").toString());
        assertEquals(2, t.code());
        assertEquals("bootimage test: Classpath entry " + cache.resolve("missing")
                + " does not exist: build the tests first (mvn test-compile) or fix --classpath\n", t.err());
    }
}
