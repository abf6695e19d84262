package io.github.bootimage.boot.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/** Names, checks and messages of issue 14's networks, with a fake {@code ip} that records its calls. */
class NetworksTest {
    @TempDir
    Path tmp;

    private ProcessRunner fakeIp() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path ip = bin.resolve("ip");
        Files.writeString(ip, "#!/bin/sh\necho \"$*\" >> " + tmp.resolve("ip.log") + "\n");
        Files.setPosixFilePermissions(ip, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new ProcessRunner(new HostTools(bin + ":/usr/bin:/bin"));
    }

    @Test
    void hostNamesFromFieldNames() {
        assertEquals("server", HostNames.fromName("server"));
        assertEquals("webserver", HostNames.fromName("webServer"));
        assertEquals("db-1", HostNames.fromName("db_1"));
        assertEquals("x", HostNames.fromName("_x_"));
        assertNull(HostNames.fromName("___"));
        assertNull(HostNames.fromName(null));
        assertEquals(63, HostNames.fromName("a".repeat(80)).length());
    }

    @Test
    void networkNamesThatCannotNameALinkAreRefusedWithASuggestion() {
        assertNull(HostNames.networkProblem(""));
        assertNull(HostNames.networkProblem("host"));
        assertNull(HostNames.networkProblem("lan"));
        assertNull(HostNames.networkProblem("backend-2"));
        String p = HostNames.networkProblem("My LAN");
        assertEquals("network = \"My LAN\" cannot name a network: it names the machine's link to it and must be 1 to 15"
                + " characters of a-z, 0-9 and '-', starting with a letter and not ending with '-' (and not \"lo\")."
                + " Use a name such as \"my-lan\"; \"host\" shares the host's network and \"\" (the default) isolates"
                + " the machine.", p);
        assertTrue(HostNames.networkProblem("a-very-long-network-name").contains("such as \"a-very-long-net\""));
        assertTrue(HostNames.networkProblem("lo") != null);
        assertTrue(HostNames.networkProblem("1lan") != null);
    }

    @Test
    void aHostNameClashOnOneNetworkNamesBothMachinesAndTheFix() throws IOException {
        ProcessRunner ip = fakeIp();
        NetworkScope scope = new NetworkScope("NetworksTest");
        VirtualNetwork lan = scope.network("lan", tmp, ip, null);
        VirtualNetwork.Member first = lan.join("bi-debian-1", "server", "bi-debian-1", "field [LanIT.server]");
        assertEquals("10.231.", first.address().substring(0, 7));
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> lan.join("bi-debian-2", "server", "bi-debian-2", "field [LanIT.backup]"));
        assertEquals("Host name 'server' is taken twice on network 'lan': by field [LanIT.server] and by field"
                + " [LanIT.backup]. Give one of them a name of its own: @BootImage(network = \"lan\", hostname ="
                + " \"server2\").", e.getMessage());
        assertTrue(Files.readString(lan.hostsFile()).endsWith(first.address() + "\tserver\n"));
        // A machine that leaves and comes back keeps its address, and the hosts file its one line.
        lan.leave(first);
        VirtualNetwork.Member again = lan.join("bi-debian-3", "server", "bi-debian-3", "field [LanIT.server]");
        assertEquals(first.address(), again.address());
        assertEquals(1, Files.readAllLines(lan.hostsFile()).stream().filter(l -> l.endsWith("\tserver")).count());
        scope.close();
        List<String> calls = Files.readAllLines(tmp.resolve("ip.log"));
        assertEquals("netns add " + lan.netns(), calls.get(0));
        assertEquals("netns delete " + lan.netns(), calls.get(calls.size() - 1));
        assertTrue(calls.contains("-n bi-debian-1 link add lan type veth peer name m2 netns " + lan.netns()), calls::toString);
    }

    @Test
    void aVirtualMachineOnANamedNetworkNeedsRootAndIsToldWhatToDo() throws IOException {
        NetworkRequest r = new NetworkRequest("lan", "server", "field [LanIT.server]", new NetworkScope("t"));
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> Networking.create(Boot.QEMU, r, "bi-debian-9", tmp, tmp, fakeIp(), null, 1000));
        assertEquals("Cannot boot field [LanIT.server] (machine bi-debian-9) on network 'lan': a named network is a"
                + " bridge in a network namespace of its own, which only root can make, and this JVM runs as uid 1000."
                + " Run the tests as root, or leave network empty and reach the VM through machine.hostPort(port).",
                e.getMessage());
    }

    @Test
    void aVirtualMachineJoinsThroughATapOnTheBridgeAndLearnsEveryNameThatJoinsAfterIt() throws IOException {
        ProcessRunner ip = fakeIp();
        NetworkScope scope = new NetworkScope("NetworksTest");
        NetworkRequest r = new NetworkRequest("lan", "vm", "field [LanIT.vm]", scope);
        GuestNetwork vm = Networking.create(Boot.QEMU, r, "bi-debian-1", tmp, tmp, ip, null, 0);
        VirtualNetwork lan = scope.network("lan", tmp, ip, null);
        GuestNetwork.QemuLink link = vm.qemuLink();
        assertEquals(new GuestNetwork.QemuLink("/run/netns/" + lan.netns(), "m2", "52:54:00:e7:"
                + link.mac().substring(12, 14) + ":02", "bi-lan"), link);
        assertEquals("vm", vm.hostname());
        assertEquals("lan", vm.addresses().keySet().iterator().next());
        // Once the guest answers: its address over the agent, then its /etc/hosts, now and on each join.
        List<String> ran = new java.util.ArrayList<>();
        List<String> hosts = new java.util.ArrayList<>();
        vm.ready(req -> {
            ran.add(String.join(" ", req.argv()));
            if (req.stdin().length > 0) {
                hosts.add(new String(req.stdin(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return io.github.bootimage.ExecResult.of(0, new byte[0], new byte[0], java.time.Duration.ZERO);
        });
        assertTrue(ran.get(0).contains("MACAddress=" + link.mac()), ran.get(0));
        assertTrue(ran.get(0).contains("Address=" + vm.addresses().get("lan") + "/24"), ran.get(0));
        assertEquals(1, hosts.size());
        assertTrue(hosts.get(0).endsWith(vm.addresses().get("lan") + "\tvm\n"), hosts.get(0));
        VirtualNetwork.Member server = lan.join("bi-debian-2", "server", "bi-debian-2", "field [LanIT.server]");
        assertEquals(2, hosts.size());
        assertTrue(hosts.get(1).endsWith(server.address() + "\tserver\n"), hosts.get(1));
        // Link faults: the tap on the bridge goes down and up.
        vm.setLinksDown(true);
        vm.setLinksDown(false);
        vm.close();
        lan.join("bi-debian-3", "backup", "bi-debian-3", "field [LanIT.backup]");
        assertEquals(2, hosts.size(), "a machine that left hears of no more joins");
        scope.close();
        List<String> calls = Files.readAllLines(tmp.resolve("ip.log"));
        assertTrue(calls.contains("-n " + lan.netns() + " tuntap add dev m2 mode tap"), calls::toString);
        assertTrue(calls.contains("-n " + lan.netns() + " link set m2 master br0 up"), calls::toString);
        assertTrue(calls.contains("-n " + lan.netns() + " link set m2 down"), calls::toString);
        assertTrue(calls.contains("-n " + lan.netns() + " link del m2"), calls::toString);
    }

    @Test
    void aVirtualMachineThatCannotTakeItsAddressFailsItsBootWithWhatTheGuestSaid() throws IOException {
        ProcessRunner ip = fakeIp();
        try (NetworkScope scope = new NetworkScope("NetworksTest")) {
            GuestNetwork vm = Networking.create(Boot.QEMU, new NetworkRequest("lan", "vm", "field [LanIT.vm]", scope),
                    "bi-debian-1", tmp, tmp, ip, null, 0);
            MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> vm.ready(req ->
                    io.github.bootimage.ExecResult.of(3, new byte[0], "no network card with MAC x\n".getBytes(), java.time.Duration.ZERO)));
            assertEquals("Cannot give field [LanIT.vm] (machine bi-debian-1) its address " + vm.addresses().get("lan")
                    + " on network 'lan' (exit code 3): no network card with MAC x. A VM on a named network needs"
                    + " systemd-networkd (networkctl) in its image, as every image bootimage builds for qemu has.",
                    e.getMessage());
            vm.close();
        }
    }

    @Test
    void aMachineWithoutAHostNameIsToldToGiveOne() throws IOException {
        NetworkRequest r = new NetworkRequest("lan", null, "class LanIT", new NetworkScope("t"));
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> Networking.create(Boot.NSPAWN, r, "bi-debian-9", tmp, tmp, fakeIp(), null));
        assertTrue(e.getMessage().startsWith("Cannot boot class LanIT (machine bi-debian-9) on network 'lan': it has no"
                + " host name"), e.getMessage());
        assertTrue(e.getMessage().endsWith("Give it one: @BootImage(network = \"lan\", hostname = \"server\")."));
    }

    @Test
    void hostPortOutsideTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Networking.checkPort(70000, "bi-x"));
        assertEquals("hostPort(70000) on machine bi-x: a TCP port is 1 to 65535. Pass the port the guest listens on,"
                + " such as hostPort(80).", e.getMessage());
    }
}
