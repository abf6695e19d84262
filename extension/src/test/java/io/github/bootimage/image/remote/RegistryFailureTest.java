package io.github.bootimage.image.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.Settings;
import land.oras.exception.OrasException;

/**
 * What the user reads when the registry fails: closed ports and a server that never answers on
 * 127.0.0.1, and the registry's HTTP refusals. (The real registry's failures are in RemoteCacheIT.)
 */
class RegistryFailureTest {
    static final ImageSpec SPEC = ImageSpec.of("debian", "bookworm");

    final List<String> warnings = new CopyOnWriteArrayList<>();

    RegistryCache cache(String url, String timeout) {
        Map<String, String> s = new HashMap<>(Map.of("bootimage.cache.remote", url, "bootimage.cache.remote.timeout", timeout));
        return new RegistryCache(RemoteSettings.of(new Settings(k -> Optional.ofNullable(s.get(k))), Map.of()).orElseThrow(),
                warnings::add);
    }

    static RemoteSettings settings() {
        return RemoteSettings.of(new Settings(k -> Optional.ofNullable(
                Map.of("bootimage.cache.remote", "oci://registry.example.com/team/images").get(k))), Map.of()).orElseThrow();
    }

    @Test
    void aRegistryThatIsDownCostsOneWarningAndIsNotAskedAgain(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RegistryCache c = cache("oci://127.0.0.1:" + port + "/team/images", "20s");
        assertFalse(c.pull(SPEC, "0".repeat(64), dir.resolve("a"), null));
        assertFalse(c.pull(SPEC, "1".repeat(64), dir.resolve("b"), null));
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.startsWith("Could not pull debian:bookworm (debian-bookworm-" + "0".repeat(64) + "-"), w);
        assertTrue(w.contains("from oci://127.0.0.1:" + port + "/team/images: nothing answers at 127.0.0.1:" + port
                + " (ConnectException"), w);
        assertTrue(w.contains("start the registry, or fix bootimage.cache.remote. Building it here instead."), w);
        assertTrue(w.endsWith("The rest of this run does not use the registry."), w);
    }

    @Test
    void aRegistryThatNeverAnswersCostsAWarningAfterTheTimeout(@TempDir Path dir) throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try {
                    while (!server.isClosed()) {
                        held.add(server.accept()); // accepts, reads nothing, answers nothing
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            t.setDaemon(true);
            t.start();
            RegistryCache c = cache("oci://127.0.0.1:" + server.getLocalPort() + "/team/images", "2s");
            long t0 = System.nanoTime();
            assertFalse(c.pull(SPEC, "0".repeat(64), dir.resolve("a"), null));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 15_000, "gave up after the timeout, not later: " + ms + " ms");
            assertEquals(1, warnings.size(), warnings.toString());
            String w = warnings.get(0);
            assertTrue(w.contains("the registry at 127.0.0.1:" + server.getLocalPort() + " did not answer in time"), w);
            assertTrue(w.contains("raise bootimage.cache.remote.timeout (now PT2S)"), w);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void refusalsNameTheFix() {
        RemoteSettings s = settings();
        RegistryFailure unauthorized = RegistryFailure.explain(s, new OrasException(401, "unauthorized"));
        assertTrue(unauthorized.lasting());
        assertTrue(unauthorized.getMessage().startsWith("the registry at registry.example.com refused the credentials (HTTP 401;"
                + " credentials from "), unauthorized.getMessage());
        assertTrue(unauthorized.getMessage().endsWith("or run 'docker login registry.example.com'"), unauthorized.getMessage());

        RegistryFailure denied = RegistryFailure.explain(s, new OrasException(403, "denied"));
        assertTrue(denied.getMessage().contains("denied access to the repository team/images (HTTP 403"), denied.getMessage());
        assertTrue(denied.getMessage().contains("ask for pull and push rights on it"), denied.getMessage());

        RegistryFailure full = RegistryFailure.explain(s, new OrasException(507, "insufficient storage"));
        assertFalse(full.lasting(), "one failed upload does not switch the registry off");
        assertTrue(full.getMessage().contains("could not store or serve the image (HTTP 507"), full.getMessage());
        assertTrue(full.getMessage().contains("it may be out of space"), full.getMessage());

        RegistryFailure unknown = RegistryFailure.explain(s, new OrasException("Unable to create HTTP request",
                new java.net.UnknownHostException("registry.example.com")));
        assertTrue(unknown.getMessage().startsWith("the host registry.example.com is unknown"), unknown.getMessage());
    }
}
