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
 * Walk-through step 6: <b>one's own mkosi project, tested as it is</b>.
 *
 * <p>{@code src/test/mkosi/web} is an ordinary mkosi project: an {@code mkosi.conf} (Debian bookworm, a
 * directory image, busybox), the page under {@code mkosi.extra/srv/www/content/}, a unit in
 * {@code mkosi.extra/etc/systemd/system/walkthrough-web.service} that serves it on port 8741, and an
 * {@code mkosi.postinst.chroot} that enables the unit. {@code mkosi -C src/test/mkosi/web build} builds
 * it; {@code @BootImage(mkosiConfig = ...)} builds the same directory, without writing into it, and adds
 * beside it only what booting and the console need (autologin, systemd's boot packages, bootimage's
 * Debian repository settings since the project sets none). Any change to a file in the directory
 * rebuilds the image, on the cached package layer when only {@code mkosi.extra/} or a script changed.
 *
 * <p>The test waits for the unit and the port, fetches the page inside the guest and from the host (through
 * {@code machine.hostPort(PORT)}: the container has a network of its own), and compares both with the file.
 */
@BootImage(mkosiConfig = "src/test/mkosi/web", boot = Boot.NSPAWN)
class MkosiProjectTest {

    static final int PORT = 8741;
    static final Path PAGE = Path.of("src/test/mkosi/web/mkosi.extra/srv/www/content/index.html");

    @BeforeAll
    static void serverIsUp(Machine machine) {
        machine.waitForUnit("walkthrough-web.service", Duration.ofSeconds(30));
        machine.waitForPort(PORT, Duration.ofSeconds(30));
    }

    @Test
    void theDistributionIsTheProjects(Machine machine) {
        assertEquals("bookworm", machine.osRelease().get("VERSION_CODENAME"));
    }

    @Test
    void theGuestServesThePageFromMkosiExtra(Machine machine) throws IOException {
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
    void thePostInstallationScriptEnabledTheUnit(Machine machine) {
        assertEquals("enabled\n", machine.succeed("systemctl", "is-enabled", "walkthrough-web.service"));
    }
}
