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
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * Issue 14 on qemu (one TCG boot): an isolated VM's user network has no way out (not even to the host's
 * loopback through the slirp gateway), and {@code hostPort} publishes a guest port through a hostfwd rule
 * added at run time.
 */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.QEMU, transport = Transport.CONSOLE)
class QemuNetworkIT {
    static final int PORT = 7007;

    @BeforeAll
    static void anEchoServer(Machine machine) {
        // systemd's socket activator runs cat on each connection: an echo server from what every image has.
        machine.succeed("systemd-run", "--unit=bi-echo", "systemd-socket-activate", "-l", Integer.toString(PORT),
                "--inetd", "-a", "cat");
        machine.waitForPort(PORT, Duration.ofSeconds(30));
    }

    @Test
    void theHostReachesTheGuestsPortThroughHostPort(Machine machine) throws Exception {
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
    void aPublishedPortWithNothingBehindItIsClosedWithinASecond(Machine machine) throws Exception {
        NetworkIsolationIT.closedWithinASecond(machine.hostPort(7008));
    }

    @Test
    void anIsolatedVmCannotReachTheHostThroughItsGateway(Machine machine) throws Exception {
        // Without restrict=on, the guest's 10.0.2.2 is the host's loopback: this listener would answer.
        try (ServerSocket host = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            ExecResult r = machine.exec("timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/10.0.2.2/" + host.getLocalPort());
            assertNotEquals(0, r.exitCode(), r::toString);
        }
        assertEquals("", machine.info().network());
        assertTrue(machine.info().addresses().isEmpty());
    }
}
