package io.github.bootimage.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.process.HostTools;

class KvmSupportTest {
    @TempDir
    Path tmp;

    private HostTools fakeQemu(String body) throws IOException {
        Path bin = tmp.resolve("bin");
        QemuBackendTest.script(bin, "qemu-system-x86_64", "echo run >> " + tmp.resolve("runs") + "\n" + body);
        return new HostTools(bin + ":/usr/bin:/bin");
    }

    private long runs() throws IOException {
        return Files.exists(tmp.resolve("runs")) ? Files.readAllLines(tmp.resolve("runs")).size() : 0;
    }

    @Test
    void offNeverTriesKvm() throws IOException {
        HostTools tools = fakeQemu("echo 'Linux version'");
        KvmSupport k = new KvmSupport(Files.createFile(tmp.resolve("kvm")));
        assertEquals("tcg", k.choose("off", tmp.resolve("vmlinuz"), tools));
        assertEquals(0, runs());
    }

    @Test
    void autoUsesKvmWhenTheKernelPrintsUnderIt() throws IOException {
        HostTools tools = fakeQemu("echo 'Linux version 6.1'; exec sleep 30");
        KvmSupport k = new KvmSupport(Files.createFile(tmp.resolve("kvm")));
        assertEquals("kvm", k.choose("auto", tmp.resolve("vmlinuz"), tools));
        assertEquals("kvm", k.choose("on", tmp.resolve("vmlinuz"), tools));
        assertEquals(1, runs(), "probed once, then remembered");
    }

    @Test
    void autoFallsBackToTcgOnKvmInternalErrorAndRemembersIt() throws IOException {
        HostTools tools = fakeQemu("echo 'KVM internal error. Suberror: 1' >&2; echo 'emulation failure' >&2; exec sleep 30");
        KvmSupport k = new KvmSupport(Files.createFile(tmp.resolve("kvm")));
        assertEquals("tcg", k.choose("auto", tmp.resolve("vmlinuz"), tools));
        assertEquals("tcg", k.choose("auto", tmp.resolve("vmlinuz"), tools));
        assertEquals(1, runs(), "the failure is remembered for the JVM");
        assertTrue(k.reason().contains("KVM internal error. Suberror: 1"), k.reason());
    }

    @Test
    void onButKvmFailsSaysWhyAndSuggestsAuto() throws IOException {
        HostTools tools = fakeQemu("echo 'KVM internal error. Suberror: 1' >&2; exit 1");
        KvmSupport k = new KvmSupport(Files.createFile(tmp.resolve("kvm")));
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> k.choose("on", tmp.resolve("vmlinuz"), tools));
        assertTrue(e.getMessage().startsWith("bootimage.kvm=on, but KVM cannot be used on this host: "
                + "a kernel started under KVM failed: KVM internal error. Suberror: 1"), e.getMessage());
        assertTrue(e.getMessage().contains("Use bootimage.kvm=auto"), e.getMessage());
    }

    @Test
    void onWithoutDeviceSaysWhyAndSuggestsAuto() throws IOException {
        HostTools tools = fakeQemu("echo 'Linux version'");
        KvmSupport k = new KvmSupport(tmp.resolve("missing-kvm"));
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> k.choose("on", tmp.resolve("vmlinuz"), tools));
        assertTrue(e.getMessage().contains(tmp.resolve("missing-kvm") + " does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("Use bootimage.kvm=auto"), e.getMessage());
        assertEquals("tcg", k.choose("auto", tmp.resolve("vmlinuz"), tools));
        assertEquals(0, runs());
    }

    @Test
    void aGuestsKvmErrorTurnsLaterBootsToTcg() throws IOException {
        HostTools tools = fakeQemu("echo 'Linux version'; exec sleep 30");
        KvmSupport k = new KvmSupport(Files.createFile(tmp.resolve("kvm")));
        assertEquals("kvm", k.choose("auto", tmp.resolve("vmlinuz"), tools));
        k.kvmFailed("KVM internal error. Suberror: 1");
        assertEquals("tcg", k.choose("auto", tmp.resolve("vmlinuz"), tools));
    }

    @Test
    void policyIsChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvmSupport.policy("maybe"));
        assertEquals("bootimage.kvm = 'maybe' is not valid: use auto, on or off", e.getMessage());
    }

    @Test
    void theProbeSeesTheBannerAndSaysHowLongItTook() throws Exception {
        HostTools tools = fakeQemu("echo 'Linux version 6.1 (probe)'; exec sleep 30");
        KvmSupport.Probe p = KvmSupport.probeGuest(tools.find("qemu-system-x86_64").orElseThrow().toString(), "tcg",
                tmp.resolve("vmlinuz"), java.time.Duration.ofSeconds(10), tools.path());
        assertTrue(p.usable(), p::toString);
        assertTrue(p.detail().matches("guest kernel started in \\d+ ms"), p.detail());
    }

    @Test
    void theProbeNamesWhereAGuestWithoutProgressStopped() throws Exception {
        HostTools tools = fakeQemu("echo 'SeaBIOS (version 1.16)'; echo 'Booting from ROM...'; exec sleep 30");
        KvmSupport.Probe p = KvmSupport.probeGuest(tools.find("qemu-system-x86_64").orElseThrow().toString(), "kvm",
                tmp.resolve("vmlinuz"), java.time.Duration.ofSeconds(1), tools.path());
        assertFalse(p.usable());
        assertEquals("the guest made no progress in 1 s: its console stopped at \"Booting from ROM...\", the kernel never"
                + " printed its banner (typical of nested virtualisation that KVM cannot run)", p.detail());
    }
}
