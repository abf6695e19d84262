package io.github.bootimage.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.runtime.Settings;

/**
 * Two VMs at once (bookworm and trixie), isolated from each other, each with its own forwarded
 * port; closing them leaves no qemu process and no temporary disk. And a boot timeout's message.
 */
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.SAME_THREAD) // the CPU-heavy lane (extension/pom.xml)
class QemuLifecycleIT {
    private final BootImageRuntime factory = BootImageRuntime.forHost(Settings.fromSystemProperties());

    private MachineRequest request(String release, Duration timeout) {
        // withSsh, not the package by name: the same image (and cache key) as QemuSshIT's, built once per run.
        return new MachineRequest(ImageSpec.of("debian", release).withSsh(true), Boot.QEMU,
                Transport.CONSOLE, timeout, getClass().getSimpleName());
    }

    @Test
    void twoMachinesAtOnceThenNothingLeft() throws Exception {
        CompletableFuture<DefaultMachine> a = CompletableFuture.supplyAsync(() -> factory.boot(request("bookworm", null)));
        CompletableFuture<DefaultMachine> b = CompletableFuture.supplyAsync(() -> factory.boot(request("trixie", null)));
        DefaultMachine bookworm;
        DefaultMachine trixie;
        try {
            trixie = b.get();
        } finally {
            bookworm = a.get();
            if (b.isCompletedExceptionally()) {
                bookworm.close();
            }
        }
        List<Long> processes;
        Path workA = Path.of(System.getProperty("java.io.tmpdir"), "bootimage-" + io.github.bootimage.boot.HostCapabilities.euid(),
                bookworm.info().name());
        try {
            assertTrue("bookworm".equals(bookworm.osRelease().get("VERSION_CODENAME")), bookworm.osRelease()::toString);
            assertTrue("trixie".equals(trixie.osRelease().get("VERSION_CODENAME")), trixie.osRelease()::toString);
            assertNotEquals(bookworm.info().sshPort(), trixie.info().sshPort());
            assertTrue(bookworm.info().sshPort() > 0);
            bookworm.succeed("sh", "-c", "echo mine > /root/marker");
            assertEquals(1, trixie.exec("test", "-e", "/root/marker").exitCode(), "each VM writes to its own overlay");
            assertTrue(Files.exists(workA.resolve("overlay.qcow2")), "overlay in the machine's work directory");
            processes = new java.util.ArrayList<>();
            for (DefaultMachine m : List.of(bookworm, trixie)) {
                String ps = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(m.info().name()))
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).reduce("", (x, y) -> x + y + "\n");
                assertTrue(ps.contains("qemu-system-x86_64"), ps);
                ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(m.info().name()))
                        .forEach(p -> processes.add(p.pid()));
            }
        } finally {
            long t = System.nanoTime();
            bookworm.close();
            trixie.close();
            System.out.println("closing two VMs took " + (System.nanoTime() - t) / 1_000_000 + " ms");
        }
        for (long pid : processes) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " left running");
        }
        assertFalse(Files.exists(workA), "temporary disk left in " + workA);
        String left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(bookworm.info().name()) || c.contains(trixie.info().name()))
                .reduce("", (x, y) -> x + y + "\n");
        assertEquals("", left);
    }

    @Test
    void bootTimeoutShowsTheSerialConsoleTail() {
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> factory.boot(request("bookworm", Duration.ofSeconds(4))));
        assertTrue(e.getMessage().contains("did not boot within 4 s"), e.getMessage());
        assertTrue(e.getMessage().contains("Console tail:\n"), e.getMessage());
        assertTrue(java.util.regex.Pattern.compile("\\| \\[ +\\d+\\.\\d+\\] ").matcher(e.getMessage()).find(),
                "the kernel's serial output is in the tail: " + e.getMessage());
        String left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.startsWith("qemu-system-x86_64") && c.contains("bi-debian")).reduce("", (x, y) -> x + y);
        assertEquals("", left, "the VM that did not boot is stopped");
    }

    @Test
    void kvmPolicyOnThisHost() {
        var image = factory.image(request("bookworm", null));
        var kvm = new io.github.bootimage.boot.KvmSupport(Path.of("/dev/kvm"));
        String auto = kvm.choose("auto", image.kernel().orElseThrow(), factory.tools());
        assertEquals("tcg", kvm.choose("off", image.kernel().orElseThrow(), factory.tools()));
        if (auto.equals("tcg")) {
            // As on these machines: /dev/kvm missing, closed to this user, or KVM guests die (nested virtualisation).
            MachineLaunchException e = assertThrows(MachineLaunchException.class,
                    () -> kvm.choose("on", image.kernel().orElseThrow(), factory.tools()));
            assertTrue(e.getMessage().startsWith("bootimage.kvm=on, but KVM cannot be used on this host: "), e.getMessage());
            assertTrue(e.getMessage().contains(kvm.reason()), e.getMessage());
            assertTrue(e.getMessage().contains("Use bootimage.kvm=auto"), e.getMessage());
        } else {
            assertEquals("kvm", kvm.choose("on", image.kernel().orElseThrow(), factory.tools()));
        }
    }
}
