package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * Named networks (issue 14, points 3 and 4): two containers on "lan" reach each other by name, the
 * client having booted first; a nested class shares the network; link faults make the client time out
 * and succeed again. Two nspawn boots of one image (bookworm with busybox).
 */
class NamedNetworkIT {
    static final int PORT = 8080;

    // Declared (and so booted) first: it must resolve the server, which boots after it.
    @BootImage(distro = "debian", release = "bookworm", packages = "busybox", boot = Boot.NSPAWN,
            transport = Transport.CONSOLE, network = "lan")
    static Machine client;

    @BootImage(distro = "debian", release = "bookworm", packages = "busybox", boot = Boot.NSPAWN,
            transport = Transport.CONSOLE, network = "lan")
    static Machine server;

    @BeforeAll
    static void serverServes() {
        server.succeed("sh", "-c", "mkdir -p /srv/www && echo 'hello from server' > /srv/www/index.html"
                + " && busybox httpd -p " + PORT + " -h /srv/www");
        server.waitForPort(PORT, Duration.ofSeconds(20));
    }

    @Test
    void theClientFetchesThePageByName() {
        assertEquals("hello from server\n", client.succeed("timeout", "10", "busybox", "wget", "-q", "-O", "-",
                "http://server:" + PORT + "/"));
    }

    @Test
    void hostNamesComeFromTheFieldsAndEachResolvesTheOther() {
        assertEquals("server\n", server.succeed("cat", "/proc/sys/kernel/hostname"));
        assertEquals("client\n", client.succeed("cat", "/proc/sys/kernel/hostname"));
        String serverAddress = server.info().addresses().get("lan");
        String clientAddress = client.info().addresses().get("lan");
        assertTrue(serverAddress.startsWith("10.231."), serverAddress);
        assertNotEquals(serverAddress, clientAddress);
        assertTrue(client.succeed("getent", "hosts", "server").startsWith(serverAddress + " "));
        assertTrue(server.succeed("getent", "hosts", "client").startsWith(clientAddress + " "));
        assertEquals("lan", server.info().network());
    }

    @Test
    void theHostReachesTheServerThroughItsPublishedPort() throws Exception {
        assertEquals("hello from server\n", NetworkIsolationIT.get(server.hostPort(PORT)));
    }

    @Test
    void aClientTimesOutWhileTheServersLinkIsDownAndSucceedsAfter() {
        ExecRequest fetch = ExecRequest.of("timeout", "2", "busybox", "wget", "-q", "-O", "-", "http://server:" + PORT + "/");
        server.linkDown();
        try {
            ExecResult down = client.exec(fetch);
            assertEquals(124, down.exitCode(), () -> "timeout(1) ends the fetch that hangs: " + down);
        } finally {
            server.linkUp();
        }
        assertEquals("hello from server\n", client.waitUntilSucceeds(Duration.ofSeconds(20), fetch.argv().toArray(String[]::new)));
    }

    @Nested
    class Inner {
        @Test
        void aNestedClassSharesTheNetwork() {
            assertEquals("hello from server\n", client.succeed("timeout", "10", "busybox", "wget", "-q", "-O", "-",
                    "http://server:" + PORT + "/"));
        }
    }
}
