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
 * Walk-through step 7: <b>two machines on one network</b>.
 *
 * <p>{@code server} is the image of step 3 (the page in an extra tree, a unit that serves it with busybox's
 * httpd on port 8731); {@code client} is Debian trixie with busybox. Both say {@code network = "lan"}, so
 * they share a private network of their own and reach each other by host name, the fields' names. The
 * client is declared first and so boots first: the server's name resolves all the same. The host reaches the
 * server through {@code server.hostPort(8731)}; nothing on the network reaches anything else.
 */
class TwoMachinesTest {

    static final int PORT = 8731;
    static final Path PAGE = Path.of("src/test/image/web/srv/www/content/index.html");

    @BootImage(distro = "debian", release = "trixie", boot = Boot.NSPAWN, packages = "busybox", network = "lan")
    static Machine client;

    @BootImage(distro = "debian", release = "bookworm", boot = Boot.NSPAWN,
            packages = "busybox",
            extraTrees = "src/test/image/web",
            postInstallationScripts = "src/test/image/web.postinst",
            network = "lan")
    static Machine server;

    @BeforeAll
    static void serverIsUp() {
        server.waitForUnit("sample-web.service", Duration.ofSeconds(30));
        server.waitForPort(PORT, Duration.ofSeconds(30));
    }

    @Test
    void theClientFetchesThePageByTheServersName() throws IOException {
        String page = client.succeed("timeout", "10", "busybox", "wget", "-q", "-O", "-", "http://server:" + PORT + "/");
        assertEquals(Files.readString(PAGE), page);
        assertEquals("trixie", client.osRelease().get("VERSION_CODENAME"));
    }

    @Test
    void theHostFetchesItThroughAPublishedPort() throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.hostPort(PORT) + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(Files.readString(PAGE), r.body());
    }
}
