package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * Issue 14 on qemu (one TCG boot, one nspawn boot): an isolated VM's user network has no way out (not even
 * to the host's loopback through the slirp gateway), and {@code hostPort} publishes a guest port through a
 * hostfwd rule added at run time. The VM is also on the named network "lan" with a container: each reaches
 * the other by name (the container joined after the VM booted, so the VM learnt its name over its agent),
 * and link faults of the VM make the container time out, then succeed. A second VM on the same network
 * reaches the first by name (a VM with a VM: both taps on the network's bridge).
 */
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class QemuNetworkIT {
    static final int PORT = 7007;
    static final int WEB = 8080;

    // Booted first (JUnit orders static fields by their names' hash codes: "vm" before "web"): it must learn
    // the container's name, which joins after it.
    @BootImage(distro = "debian", release = "bookworm", boot = Boot.QEMU, transport = Transport.CONSOLE, network = "lan")
    static Machine vm;

    @BootImage(distro = "debian", release = "bookworm", packages = "busybox", boot = Boot.NSPAWN,
            transport = Transport.CONSOLE, network = "lan")
    static Machine web;

    @BootImage(distro = "debian", release = "bookworm", boot = Boot.QEMU, transport = Transport.CONSOLE, network = "lan")
    static Machine peer;

    @BeforeAll
    static void servers() {
        // systemd's socket activator runs cat on each connection: an echo server from what every image has.
        vm.succeed("systemd-run", "--unit=bi-echo", "systemd-socket-activate", "-l", Integer.toString(PORT),
                "--inetd", "-a", "cat");
        web.succeed("sh", "-c", "mkdir -p /srv/www && echo 'hello from web' > /srv/www/index.html"
                + " && busybox httpd -p " + WEB + " -h /srv/www");
        vm.waitForPort(PORT, Duration.ofSeconds(30));
        web.waitForPort(WEB, Duration.ofSeconds(20));
    }

    @Test
    void theHostReachesTheGuestsPortThroughHostPort() throws Exception {
        Machine machine = vm;
        int port = machine.hostPort(PORT);
        assertNotEquals(PORT, port);
        assertEquals(port, machine.hostPort(PORT));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("ping", new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine());
        }
    }

    @Test
    void aPublishedPortWithNothingBehindItIsClosedWithinASecond() throws Exception {
        NetworkIsolationIT.closedWithinASecond(vm.hostPort(7008));
    }

    @Test
    void anIsolatedVmCannotReachTheHostThroughItsGateway() throws Exception {
        // Without restrict=on, the guest's 10.0.2.2 is the host's loopback: this listener would answer.
        try (ServerSocket host = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            ExecResult r = vm.exec("timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/10.0.2.2/" + host.getLocalPort());
            assertNotEquals(0, r.exitCode(), r::toString);
        }
    }

    @Test
    void theVmFetchesFromTheContainerByANameLearntAfterItBooted() {
        String page = vm.succeed("timeout", "20", "bash", "-c", "exec 3<>/dev/tcp/web/" + WEB
                + "; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
        assertTrue(page.endsWith("hello from web\n"), page);
    }

    @Test
    void aSecondVmReachesTheFirstByNameAndTheFirstSeesTheSecond() {
        assertEquals("ping\n", peer.succeed("timeout", "20", "bash", "-c",
                "exec 3<>/dev/tcp/vm/" + PORT + "; echo ping >&3; head -n 1 <&3"));
        String address = peer.info().addresses().get("lan");
        assertNotEquals(vm.info().addresses().get("lan"), address);
        assertTrue(vm.succeed("getent", "hosts", "peer").startsWith(address + " "));
    }

    @Test
    void theContainerReachesTheVmByName() {
        assertEquals("ping\n", web.succeed("timeout", "20", "bash", "-c",
                "exec 3<>/dev/tcp/vm/" + PORT + "; echo ping >&3; head -n 1 <&3"));
    }

    @Test
    void theVmHasItsHostNameAndAddress() {
        assertEquals("vm\n", vm.succeed("cat", "/proc/sys/kernel/hostname"));
        assertEquals("lan", vm.info().network());
        String address = vm.info().addresses().get("lan");
        assertTrue(address.startsWith("10.231."), address);
        assertTrue(web.succeed("getent", "hosts", "vm").startsWith(address + " "));
        assertTrue(vm.succeed("getent", "hosts", "web").startsWith(web.info().addresses().get("lan") + " "));
    }

    @Test
    void theContainerTimesOutWhileTheVmsLinkIsDownAndSucceedsAfter() {
        ExecRequest ping = ExecRequest.of("timeout", "3", "bash", "-c",
                "exec 3<>/dev/tcp/vm/" + PORT + "; echo ping >&3; head -n 1 <&3");
        vm.linkDown();
        try {
            // The card bootimage gave the MAC 52:54:00:e7:N:H has no carrier (QMP set_link).
            assertEquals("0\n", vm.succeed("sh", "-c", "cat \"$(dirname \"$(grep -l '^52:54:00:e7:' /sys/class/net/*/address)\")/carrier\""));
            ExecResult down = web.exec(ping);
            assertEquals(124, down.exitCode(), () -> "timeout(1) ends the connection that hangs: " + down);
        } finally {
            vm.linkUp();
        }
        assertEquals("ping\n", web.waitUntilSucceeds(Duration.ofSeconds(30), ping.argv().toArray(String[]::new)));
    }
}
