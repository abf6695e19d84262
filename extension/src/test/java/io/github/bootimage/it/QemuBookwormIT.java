package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImage;
import io.github.bootimage.ExecResult;
import io.github.bootimage.Machine;
import io.github.bootimage.Transport;

/**
 * One bookworm VM for the class (TCG boots take 15-25 s): the Machine API over the serial console. It is on
 * the host's network ({@code network = "host"}: qemu's user network without {@code restrict=on}), so it
 * reaches a server on the host's loopback through its gateway, which an isolated VM cannot (QemuNetworkIT).
 */
@BootImage(distro = "debian", release = "bookworm", boot = Boot.QEMU, transport = Transport.CONSOLE, network = "host")
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class QemuBookwormIT {

    @Test
    void runsCommandsOverTheAgentsVirtioSerialPort(Machine machine) {
        ExecResult r = machine.exec("sh", "-c", "echo out; echo err >&2; exit 42");
        assertEquals(42, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        String agentTty = machine.succeed("sh", "-c", "for p in /proc/[0-9]*; do"
                + " grep -qs 'bootimage/[a]gent.sh' $p/cmdline && readlink $p/fd/0; done | sort -u");
        // The agent's processes: the agent itself on its port, its watchdog on /dev/null; none on the serial console.
        String agentPort = java.util.Arrays.stream(agentTty.split("\n")).filter(l -> l.matches("/dev/vport\\d+p\\d+"))
                .findFirst().orElseThrow(() -> new AssertionError("the agent reads no virtio-serial port: " + agentTty));
        assertTrue(!agentTty.contains("ttyS0"), "no agent process reads the serial console: " + agentTty);
        String port = agentPort.substring("/dev/".length());
        assertEquals("io.bootimage.agent\n", machine.succeed("cat", "/sys/class/virtio-ports/" + port + "/name"));
        assertTrue(machine.packages().isInstalled("systemd"));
    }

    @Test
    void plainCommandsStartFromAgentSpawn(Machine machine) {
        AgentSpawnCheck.plainCommandsStartFromAgentSpawnAsTheAgentsOwnForkWould(machine);
    }

    @Test
    void runsTheImagesOwnKernelInAVirtualMachine(Machine machine) {
        String running = machine.succeed("uname", "-r").strip();
        String installed = machine.succeed("ls", "/lib/modules").strip();
        assertEquals(installed, running, "uname -r is the kernel installed in the image");
        assertTrue(machine.packages().isInstalled("linux-image-" + running), running);
        String virt = machine.exec("systemd-detect-virt").stdout().strip();
        assertTrue(virt.equals("qemu") || virt.equals("kvm"), "a VM, not a container: " + virt);
    }

    @Test
    void showsTheAcceleratorAndBackend(Machine machine) {
        assertEquals(Boot.QEMU, machine.info().boot());
        String accel = machine.info().accelerator();
        assertTrue(accel.equals("tcg") || accel.equals("kvm"), accel);
        if (accel.equals("tcg")) {
            assertTrue(machine.succeed("cat", "/proc/cpuinfo").contains("QEMU"), "TCG emulates a QEMU CPU");
        }
    }

    @Test
    void onTheHostsNetworkItReachesTheHostsLoopbackThroughItsGateway(Machine machine) throws Exception {
        assertEquals("host", machine.info().network());
        try (java.net.ServerSocket host = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            var accepted = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (java.net.Socket s = host.accept()) {
                    s.getOutputStream().write("hello from the host\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    return true;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertEquals("hello from the host\n", machine.succeed("timeout", "20", "bash", "-c",
                    "exec 3<>/dev/tcp/10.0.2.2/" + host.getLocalPort() + "; head -n 1 <&3"));
            assertTrue(accepted.get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void writesNeverReachTheCachedDisk(Machine machine) throws Exception {
        var disk = machine.info().image().resolve("image.raw");
        FileTime before = Files.getLastModifiedTime(disk);
        machine.succeed("sh", "-c", "head -c 20000000 /dev/urandom > /var/tmp/big && sync");
        assertEquals(before, Files.getLastModifiedTime(disk));
        assertTrue(Files.isRegularFile(disk));
    }
}
