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
    void aVirtualMachineCannotJoinANamedNetworkAndIsToldWhatToDo() throws IOException {
        NetworkRequest r = new NetworkRequest("lan", "server", "field [LanIT.server]", new NetworkScope("t"));
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> Networking.create(Boot.QEMU, r, "bi-debian-9", tmp, tmp, fakeIp(), null));
        assertEquals("Cannot boot field [LanIT.server] (machine bi-debian-9) on network 'lan': a qemu virtual machine"
                + " cannot join a named network yet (only systemd-nspawn containers can). Use boot = Boot.NSPAWN for"
                + " the machines of 'lan', or leave network empty and reach the VM through machine.hostPort(port).",
                e.getMessage());
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
