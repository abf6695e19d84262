package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * Isolation by default (issue 14, points 1, 2 and 8): two containers in namespaces of their own listen
 * on the same port at once, the host reaches each through its own published port, the guests' port is
 * not open on the host, and {@code network = "host"} opts out. One image (bookworm with busybox) and
 * three nspawn boots for the class.
 */
class NetworkIsolationIT {
    static final int PORT = 18631;
    static final String LINKS = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort";

    @BootImage(distro = "debian", release = "bookworm", packages = "busybox", boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static Machine first;

    @BootImage(distro = "debian", release = "bookworm", packages = "busybox", boot = Boot.NSPAWN, transport = Transport.CONSOLE)
    static Machine second;

    @BootImage(distro = "debian", release = "bookworm", packages = "busybox", boot = Boot.NSPAWN,
            transport = Transport.CONSOLE, network = "host")
    static Machine onHost;

    @BeforeAll
    static void bothServeOnTheSamePort() {
        for (Machine m : new Machine[] {first, second}) {
            m.succeed("sh", "-c", "mkdir -p /srv/www && echo 'page of " + m.name() + "' > /srv/www/index.html"
                    + " && busybox httpd -p " + PORT + " -h /srv/www");
            m.waitForPort(PORT, Duration.ofSeconds(20));
        }
    }

    @Test
    void anIsolatedMachineHasLoopbackOnlyAndNoRoute() {
        // /proc/net/dev lists the links of the reader's namespace (nspawn 254 mounts the host's /sys in a
        // container that joins a namespace by path, so /sys/class/net is no witness).
        assertEquals("lo\n", first.succeed("sh", "-c", LINKS));
        assertEquals(1, first.succeed("cat", "/proc/net/route").strip().split("\n").length, "only the header: no route");
        assertEquals("", first.info().network());
        assertTrue(first.info().addresses().isEmpty());
    }

    @Test
    void theHostFetchesEachMachinesPageThroughItsOwnPublishedPort() throws Exception {
        int p1 = first.hostPort(PORT);
        int p2 = second.hostPort(PORT);
        assertNotEquals(PORT, p1);
        assertNotEquals(p1, p2);
        assertEquals(p1, first.hostPort(PORT), "the same port on every call");
        assertEquals("page of " + first.name() + "\n", get(p1));
        assertEquals("page of " + second.name() + "\n", get(p2));
    }

    @Test
    void theGuestsPortIsNotOpenOnTheHost() {
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT), 1000);
            }
        });
    }

    @Test
    void aPublishedPortWithNothingBehindItIsClosedWithinASecond() throws IOException {
        closedWithinASecond(first.hostPort(18632));
    }

    /** A connection to a published port whose guest port has no listener ends within a second. */
    static void closedWithinASecond(int p) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 1000);
            s.setSoTimeout(1000);
            InputStream in = s.getInputStream();
            int r;
            try {
                r = in.read();
            } catch (SocketException reset) {
                r = -1;
            }
            assertEquals(-1, r, "closed or reset");
        } catch (SocketException refusedOrReset) {
            // Refused, or reset while connect() was still finishing: the forwarder accepted and then
            // closed at once because nothing listens behind it. A read that waits is a SocketTimeoutException,
            // not a SocketException, so a port that stays open still fails below or here.
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 1000, "took " + ms + " ms");
    }

    @Test
    void hostPortOutsideTheRangeNamesTheMachineAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> first.hostPort(0));
        assertEquals("hostPort(0) on machine " + first.name() + ": a TCP port is 1 to 65535. Pass the port the guest"
                + " listens on, such as hostPort(80).", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> first.hostPort(65536));
    }

    @Test
    void linkFaultsNeedANamedNetwork() {
        IllegalStateException e = assertThrows(IllegalStateException.class, first::linkDown);
        assertTrue(e.getMessage().contains("linkDown() on machine " + first.name() + ": the machine is on no named network"),
                e.getMessage());
    }

    @Test
    void networkHostSharesTheHostsLinks() throws IOException {
        String host = Files.readAllLines(Path.of("/proc/net/dev")).stream().skip(2)
                .map(l -> l.substring(0, l.indexOf(':')).strip()).sorted().collect(Collectors.joining("\n"));
        assertEquals(host + "\n", onHost.succeed("sh", "-c", "export LC_ALL=C; " + LINKS));
        assertTrue(host.contains("\n") , "the host has more than loopback: " + host);
        assertEquals("host", onHost.info().network());
    }

    static String get(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r::body);
        return r.body();
    }
}
