package io.github.bootimage.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;

/**
 * Walk-through step 3: <b>the image extended with one's own files</b>.
 *
 * <p>An mkosi extra tree is a directory copied over the image's root after the packages are installed.
 * Here it is {@code src/test/image/web}: a page in {@code srv/www/content/index.html} and a systemd unit
 * in {@code etc/systemd/system/sample-web.service} that serves it with busybox's httpd on port 8731. A
 * post-installation script ({@code src/test/image/web.postinst}) enables the unit. Paths in
 * {@code @BootImage} are relative to the module's folder; the files' content is part of the image's
 * cache key, so editing the page rebuilds the image.
 *
 * <p>The test waits for the unit and the port, then fetches the page from inside the guest and from
 * the host, and compares both with the file. The guest has a network of its own (loopback only), so
 * the host reaches its port through {@code machine.hostPort(PORT)}, a port on the host's 127.0.0.1
 * that bootimage chose free and forwards into the guest.
 */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN,
        packages = "busybox",
        extraTrees = "src/test/image/web",
        postInstallationScripts = "src/test/image/web.postinst")
class OwnFilesTest {

    static final int PORT = 8731;
    static final Path PAGE = Path.of("src/test/image/web/srv/www/content/index.html");

    @BeforeAll
    static void serverIsUp(Machine machine) {
        machine.waitForUnit("sample-web.service", Duration.ofSeconds(30));
        machine.waitForPort(PORT, Duration.ofSeconds(30));
    }

    @Test
    void theGuestServesThePageFromTheExtraTree(Machine machine) throws IOException {
        String page = machine.succeed("busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:" + PORT + "/");
        assertEquals(Files.readString(PAGE), page);
    }

    @Test
    void theHostFetchesTheSamePage(Machine machine) throws IOException, InterruptedException {
        // The guest's port, published on the host's 127.0.0.1 at a port bootimage chose.
        int port = machine.hostPort(PORT);
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(Files.readString(PAGE), r.body());
    }

    @Test
    void theUnitWasEnabledByThePostInstallationScript(Machine machine) {
        assertEquals("enabled\n", machine.succeed("systemctl", "is-enabled", "sample-web.service"));
    }
}
