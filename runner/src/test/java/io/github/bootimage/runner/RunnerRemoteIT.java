package io.github.bootimage.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.image.Architecture;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.remote.LocalRegistry;
import io.github.bootimage.runner.RunnerSupport.Result;

/** The real runner's push, images --remote, pull and build against docker-registry on 127.0.0.1. */
class RunnerRemoteIT {

    @TempDir
    Path tmp;

    @Test
    void pushListPullAndBuildThroughTheSharedCache() throws Exception {
        Result b = RunnerSupport.run("build", "debian:bookworm", "--boot", "nspawn", "--cache-dir", RunnerSupport.cacheDir().toString());
        assertEquals(0, b.code(), b::toString);
        Matcher m = Pattern.compile("\\((debian-bookworm-[0-9a-f]{12})\\)").matcher(b.out());
        assertTrue(m.find(), b::toString);
        String entry = m.group(1);
        int[] port = new int[1];
        try (LocalRegistry registry = LocalRegistry.plain(tmp.resolve("registry"))) {
            port[0] = registry.port();
            String url = registry.url("runner/images");
            Result none = RunnerSupport.run("images", "--remote", "--cache-remote", url);
            assertEquals(0, none.code(), none::toString);
            assertTrue(none.out().contains("no images (a build with --cache-remote pushes them, or 'bootimage push --all')"), none::toString);

            Result push = RunnerSupport.run("push", entry, "--cache-dir", RunnerSupport.cacheDir().toString(), "--cache-remote", url);
            assertEquals(0, push.code(), push::toString);
            assertTrue(push.out().contains("pushed " + entry + " to " + url + ":debian-bookworm-"), push::toString);
            assertTrue(push.out().endsWith("1 image(s) pushed, 0 failed; " + url + "\n"), push::toString);

            Path empty = tmp.resolve("other-machine");
            Result list = RunnerSupport.run("images", "--remote", "--cache-dir", empty.toString(), "--cache-remote", url);
            assertEquals(0, list.code(), list::toString);
            assertTrue(Pattern.compile(entry + " +debian:bookworm +" + Architecture.host() + " +[0-9.]+ MiB +\\d+[smhd] ago +no ")
                    .matcher(list.out()).find(), list::toString);

            Result pulled = RunnerSupport.run("build", "debian:bookworm", "--boot", "nspawn", "--cache-dir", empty.toString(),
                    "--cache-remote", url);
            assertEquals(0, pulled.code(), pulled::toString);
            assertTrue(pulled.out().contains("image debian:bookworm: not in the local cache; asking " + url
                    + ", else building with mkosi ..."), pulled::toString);
            assertTrue(Pattern.compile("image debian:bookworm: pulled from " + Pattern.quote(url) + " in \\d+ s \\(" + entry + "\\)")
                    .matcher(pulled.out()).find(), pulled::toString);
            assertTrue(ImageCache.isComplete(empty.resolve(entry)));

            Result missing = RunnerSupport.run("pull", "debian:trixie", "--boot", "nspawn", "--cache-dir",
                    tmp.resolve("third").toString(), "--cache-remote", url);
            assertEquals(1, missing.code(), missing::toString);
            assertTrue(missing.out().contains("MISSING debian:trixie: " + url + " has no image of it for "
                    + Architecture.host()), missing::toString);

            Result again = RunnerSupport.run("pull", "debian:bookworm", "--boot", "nspawn", "--cache-dir", empty.toString(),
                    "--cache-remote", url);
            assertEquals(0, again.code(), again::toString);
            assertTrue(again.out().contains("debian:bookworm: found locally (" + entry + ")"), again::toString);
        } finally {
            io.github.bootimage.image.ImageCache.deleteTree(tmp.resolve("other-machine"));
        }
        String stopped = "oci://127.0.0.1:" + port[0] + "/runner/images";
        Result doctor = RunnerSupport.run("doctor", "--cache-dir", tmp.resolve("x").toString(), "--cache-remote", stopped,
                "--probe-seconds", "2");
        assertTrue(doctor.out().contains("remote               " + stopped + ": UNUSABLE: nothing answers at 127.0.0.1:"
                + port[0] + " (ConnectException"), doctor::toString);
        Result listDown = RunnerSupport.run("images", "--remote", "--cache-dir", tmp.resolve("x").toString(), "--cache-remote", stopped);
        assertEquals(1, listDown.code(), listDown::toString);
        assertTrue(listDown.out().contains("Could not list " + stopped + ": nothing answers at 127.0.0.1:" + port[0]), listDown::toString);
        Result pushDown = RunnerSupport.run("push", entry, "--cache-dir", RunnerSupport.cacheDir().toString(), "--cache-remote", stopped);
        assertEquals(1, pushDown.code(), pushDown::toString);
        assertTrue(pushDown.out().contains("FAILED " + entry + ": nothing answers at 127.0.0.1:" + port[0]), pushDown::toString);
        assertTrue(pushDown.out().endsWith("0 image(s) pushed, 1 failed; " + stopped + "\n"), pushDown::toString);
        Result noSuch = RunnerSupport.run("push", "debian-bookworm-000000000000", "--cache-dir", tmp.resolve("x").toString(),
                "--cache-remote", stopped);
        assertEquals(2, noSuch.code(), noSuch::toString);
        assertTrue(noSuch.err().contains("No complete image 'debian-bookworm-000000000000' in " + tmp.resolve("x")
                + ": name an entry that 'bootimage images' lists, or use --all"), noSuch::toString);
        Result nothing = RunnerSupport.run("push", "--cache-dir", tmp.resolve("x").toString(), "--cache-remote", stopped);
        assertEquals(2, nothing.code(), nothing::toString);
        assertTrue(nothing.err().contains("Nothing to push: name entries (see 'bootimage images') or use --all"), nothing::toString);
        Result badUrl = RunnerSupport.run("images", "--remote", "--cache-dir", tmp.resolve("x").toString(), "--cache-remote",
                "https://registry.example.com/x");
        assertEquals(2, badUrl.code(), badUrl::toString);
        assertTrue(badUrl.err().contains("bootimage.cache.remote = 'https://registry.example.com/x' is not valid: use"
                + " oci://HOST[:PORT]/REPOSITORY"), badUrl::toString);
        Result noRemote = RunnerSupport.run("push", "--all", "--cache-dir", tmp.resolve("x").toString());
        assertEquals(2, noRemote.code(), noRemote::toString);
        assertTrue(noRemote.err().contains("No shared image cache is set: give --cache-remote oci://HOST[:PORT]/REPOSITORY"),
                noRemote::toString);
    }
}
