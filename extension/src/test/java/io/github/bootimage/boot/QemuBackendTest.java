package io.github.bootimage.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.bootimage.ImageFormat;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

class QemuBackendTest {
    @TempDir
    Path tmp;

    static void script(Path dir, String name, String body) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Image image(boolean kernel) throws IOException {
        Path entry = Files.createDirectories(tmp.resolve("cache/debian-bookworm-0123456789ab"));
        Files.write(entry.resolve("image.raw"), new byte[4096]);
        if (kernel) {
            Files.writeString(entry.resolve("image.vmlinuz"), "kernel");
            Files.writeString(entry.resolve("image.initrd"), "initrd");
        }
        ImageSpec spec = ImageSpec.of("debian", "bookworm").withKernel(true).withFormat(ImageFormat.DISK);
        return new Image(entry, spec, "0123456789ab".repeat(5));
    }

    private QemuBackend backend(Path bin, String policy) {
        HostTools tools = new HostTools(bin.toString() + ":/usr/bin:/bin");
        return new QemuBackend(tools, new ProcessRunner(tools), policy, new KvmSupport(tmp.resolve("no-kvm")), 500);
    }

    private GuestOptions options(int port) {
        return new GuestOptions("bi-test-1", tmp.resolve("work"), port, null, Duration.ofSeconds(5));
    }

    @Test
    void qemuNotInstalledNamesThePackage() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        HostTools tools = new HostTools(empty.toString());
        QemuBackend b = new QemuBackend(tools, new ProcessRunner(tools), "auto");
        MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> b.start(image(true), options(0)));
        assertTrue(e.getMessage().contains("'qemu-system-x86_64' is not installed"), e.getMessage());
        assertTrue(e.getMessage().contains("Install the Debian package 'qemu-system-x86'"), e.getMessage());
    }

    @Test
    void imageWithoutKernelNamesThePackagesToAdd() throws IOException {
        Path bin = tmp.resolve("bin");
        script(bin, "qemu-system-x86_64", "exit 0");
        script(bin, "qemu-img", "exit 0");
        MachineLaunchException e = assertThrows(MachineLaunchException.class,
                () -> backend(bin, "off").start(image(false), options(0)));
        assertTrue(e.getMessage().contains("has no kernel"), e.getMessage());
        assertTrue(e.getMessage().contains("packages = {\"linux-image-cloud-amd64\", \"initramfs-tools\"}"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("work")), "nothing is prepared for an image that cannot boot");
    }

    @Test
    void directoryImageIsRefusedWithTheFix() throws IOException {
        Path bin = tmp.resolve("bin");
        script(bin, "qemu-system-x86_64", "exit 0");
        script(bin, "qemu-img", "exit 0");
        Image img = image(true);
        Files.delete(img.disk());
        MachineLaunchException e = assertThrows(MachineLaunchException.class, () -> backend(bin, "off").start(img, options(0)));
        assertTrue(e.getMessage().contains("qemu boots disk images"), e.getMessage());
        assertTrue(e.getMessage().contains("ImageFormat.DISK"), e.getMessage());
    }

    @Test
    void anIsolatedVmHasARestrictedUserNetworkAndHostKeepsItOpen() throws IOException {
        Image img = image(true);
        Path work = tmp.resolve("work");
        for (String network : List.of("", "host")) {
            var net = io.github.bootimage.boot.net.Networking.create(io.github.bootimage.Boot.QEMU,
                    new io.github.bootimage.boot.net.NetworkRequest(network, null, null, null), "bi-x", work, tmp, null, null);
            List<String> cmd = backend(tmp, "off").command(img, new GuestOptions("bi-x", work, 40022, null,
                    Duration.ofSeconds(5), null, net), "tcg", work.resolve("o"), work.resolve("q"));
            String nic = cmd.get(cmd.indexOf("-netdev") + 1);
            assertEquals(network.isEmpty() ? "user,id=user0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22"
                    : "user,id=user0,hostfwd=tcp:127.0.0.1:40022-:22", nic);
        }
    }

    @Test
    void aVmOnANamedNetworkGetsASecondCardOnItsTapAndItsHostName() throws IOException {
        Image img = image(true);
        Path work = tmp.resolve("work");
        var net = new io.github.bootimage.boot.net.GuestNetwork() {
            @Override
            public io.github.bootimage.boot.net.NetworkRequest request() {
                return new io.github.bootimage.boot.net.NetworkRequest("lan", "server", null, null);
            }

            @Override
            public String hostname() {
                return "server";
            }

            @Override
            public QemuLink qemuLink() {
                return new QemuLink("/run/netns/bi-n-1", "m2", "52:54:00:e7:00:02", "bi-lan");
            }

            @Override
            public int hostPort(int guestPort) {
                return 0;
            }

            @Override
            public void setLinksDown(boolean down) {
            }

            @Override
            public java.util.Map<String, String> addresses() {
                return java.util.Map.of();
            }

            @Override
            public List<String> reaperLines() {
                return List.of();
            }

            @Override
            public void close() {
            }
        };
        List<String> cmd = backend(tmp, "off").command(img, new GuestOptions("bi-x", work, 0, null,
                Duration.ofSeconds(5), null, net), "tcg", work.resolve("o"), work.resolve("q"));
        String line = String.join(" ", cmd);
        assertTrue(line.contains("-netdev user,id=user0,restrict=on -device virtio-net-pci,netdev=user0,romfile="), line);
        assertTrue(line.contains("-netdev tap,id=bi-lan,fd=@TAPFD@ -device virtio-net-pci,netdev=bi-lan,mac=52:54:00:e7:00:02"), line);
        assertTrue(cmd.get(cmd.indexOf("-append") + 1).contains(" systemd.hostname=server"), line);
    }

    @Test
    void commandLineBootsTheImageKernelOverAnOverlayWithSerialConsoleAndForwardedPort() throws IOException {
        Image img = image(true);
        Path work = tmp.resolve("work");
        List<String> cmd = backend(tmp, "off").command(img, new GuestOptions("bi-x", work, 40022, "ssh-ed25519 AAAA k",
                Duration.ofSeconds(5)), "tcg", work.resolve("overlay.qcow2"), work.resolve("qmp.sock"));
        String line = String.join(" ", cmd);
        assertEquals("qemu-system-x86_64", cmd.get(0));
        assertTrue(line.contains("-accel tcg"), line);
        assertFalse(line.contains("-cpu host"), line);
        assertTrue(line.contains("-kernel " + img.entry().resolve("image.vmlinuz")), line);
        assertTrue(line.contains("-initrd " + img.entry().resolve("image.initrd")), line);
        assertTrue(line.contains("-chardev stdio,id=console,signal=off -serial chardev:console"), line);
        assertTrue(line.contains("-qmp unix:" + work.resolve("qmp.sock") + ",server=on,wait=off"), line);
        assertTrue(line.contains("file=" + work.resolve("overlay.qcow2") + ",format=qcow2"), line);
        assertFalse(line.contains(img.disk().toString()), "the cached disk is only the overlay's backing file: " + line);
        assertTrue(line.contains("hostfwd=tcp:127.0.0.1:40022-:22"), line);
        String append = cmd.get(cmd.indexOf("-append") + 1);
        assertTrue(append.startsWith("root=PARTLABEL=root-x86-64 rw console=ttyS0 systemd.firstboot=off audit=0"), append);
        assertTrue(append.endsWith("\"systemd.set_credential=ssh.authorized_keys.root:ssh-ed25519 AAAA k\""), append);
        List<String> kvm = backend(tmp, "off").command(img, options(0), "kvm", work.resolve("o"), work.resolve("q"));
        assertTrue(String.join(" ", kvm).contains("-accel kvm -cpu host"), kvm::toString);
        assertFalse(String.join(" ", kvm).contains("hostfwd"), kvm::toString);
    }

    @Test
    void memoryCpusAndKernelArgumentsComeFromTheSettingsAfterTheProfilesOwn() throws IOException {
        Image img = image(true);
        Path work = tmp.resolve("work");
        List<String> dflt = backend(tmp, "off").command(img, options(0), "tcg", work.resolve("o"), work.resolve("q"));
        assertEquals("1024", dflt.get(dflt.indexOf("-m") + 1));
        assertEquals("2", dflt.get(dflt.indexOf("-smp") + 1));
        assertTrue(dflt.get(dflt.indexOf("-append") + 1).startsWith("root=PARTLABEL=root-x86-64 rw console=ttyS0 systemd.firstboot=off audit=0 systemd.show_status=error "),
                dflt.get(dflt.indexOf("-append") + 1));

        io.github.bootimage.runtime.Settings settings = new io.github.bootimage.runtime.Settings(k -> java.util.Optional.ofNullable(
                java.util.Map.of("bootimage.qemu.memory", "2g", "bootimage.qemu.cpus", "4", "bootimage.qemu.kernelArgs", " loglevel=7 ").get(k)));
        QemuBackend sized = new QemuBackend(new HostTools(tmp + ":/usr/bin:/bin"), new ProcessRunner(new HostTools("/usr/bin:/bin")), "off",
                new KvmSupport(tmp.resolve("no-kvm")), 500,
                new QemuBackend.Sizing(settings.qemuMemory(), settings.qemuCpus(), settings.qemuKernelArgs(),
                        settings.qemuProfile()));
        List<String> cmd = sized.command(img, new GuestOptions("bi-x", work, 40022, "ssh-ed25519 AAAA k", Duration.ofSeconds(5)),
                "tcg", work.resolve("o"), work.resolve("q"));
        assertEquals("2G", cmd.get(cmd.indexOf("-m") + 1));
        assertEquals("4", cmd.get(cmd.indexOf("-smp") + 1));
        String append = cmd.get(cmd.indexOf("-append") + 1);
        assertTrue(append.endsWith(" systemd.mask=dpkg-db-backup.timer loglevel=7"
                + " \"systemd.set_credential=ssh.authorized_keys.root:ssh-ed25519 AAAA k\""), append);
    }

    @Test
    void theFastProfileQuietsTheConsoleMasksUpkeepTimersAndDropsTheBootRom() throws IOException {
        Image img = image(true);
        Path work = tmp.resolve("work");
        GuestOptions o = new GuestOptions("bi-x", work, 40022, "ssh-ed25519 AAAA k", Duration.ofSeconds(5));
        List<String> tcg = backend(tmp, "off").command(img, o, "tcg", work.resolve("o"), work.resolve("q"));
        String masks = " systemd.mask=apt-daily.timer systemd.mask=apt-daily-upgrade.timer systemd.mask=man-db.timer"
                + " systemd.mask=e2scrub_all.timer systemd.mask=e2scrub_reap.service systemd.mask=fstrim.timer"
                + " systemd.mask=logrotate.timer systemd.mask=dpkg-db-backup.timer";
        assertEquals("root=PARTLABEL=root-x86-64 rw console=ttyS0 systemd.firstboot=off audit=0"
                + " systemd.show_status=error rd.systemd.show_status=error rd.udev.log_level=3"
                + " mitigations=off tsc=reliable modprobe.blacklist=kvm,kvm_amd,kvm_intel,ata_piix,ata_generic,libata,serio_raw" + masks
                + " \"systemd.set_credential=ssh.authorized_keys.root:ssh-ed25519 AAAA k\"", tcg.get(tcg.indexOf("-append") + 1));
        assertEquals("2", tcg.get(tcg.indexOf("-smp") + 1));
        assertFalse(tcg.contains("-nic"), tcg::toString);
        assertEquals("user,id=user0,hostfwd=tcp:127.0.0.1:40022-:22", tcg.get(tcg.indexOf("-netdev") + 1));
        assertEquals("virtio-net-pci,netdev=user0,romfile=", tcg.get(tcg.indexOf("-netdev") + 3));
        // Under KVM the guest's mitigations, clock and modules stay as they are: there the CPU is the host's.
        List<String> kvm = backend(tmp, "off").command(img, o, "kvm", work.resolve("o"), work.resolve("q"));
        String kvmAppend = kvm.get(kvm.indexOf("-append") + 1);
        assertFalse(kvmAppend.contains("mitigations") || kvmAppend.contains("tsc=") || kvmAppend.contains("blacklist"), kvmAppend);
        assertTrue(kvmAppend.contains(" systemd.show_status=error rd.systemd.show_status=error rd.udev.log_level=3"
                + masks + " "), kvmAppend);
        assertEquals("virtio-net-pci,netdev=user0,romfile=", kvm.get(kvm.indexOf("-netdev") + 3));
    }

    @Test
    void thePlainProfileIsTheCommandLineBeforeTheTcgTuning() throws IOException {
        Image img = image(true);
        Path work = tmp.resolve("work");
        HostTools tools = new HostTools(tmp + ":/usr/bin:/bin");
        QemuBackend plain = new QemuBackend(tools, new ProcessRunner(tools), "off", new KvmSupport(tmp.resolve("no-kvm")), 500,
                QemuBackend.Sizing.PLAIN);
        AgentChannel channel = new AgentChannel(work.resolve("channel/agent.in"), work.resolve("channel/agent.out"));
        List<String> cmd = plain.command(img, new GuestOptions("bi-x", work, 40022, "ssh-ed25519 AAAA k", Duration.ofSeconds(5),
                channel), "tcg", work.resolve("o"), work.resolve("q"));
        assertEquals(List.of("qemu-system-x86_64", "-name", "bi-x", "-accel", "tcg", "-m", "1024", "-smp", "2", "-nodefaults",
                "-no-user-config", "-display", "none", "-monitor", "none", "-chardev", "stdio,id=console,signal=off",
                "-serial", "chardev:console", "-qmp", "unix:" + work.resolve("q") + ",server=on,wait=off",
                "-kernel", img.entry().resolve("image.vmlinuz").toString(), "-initrd", img.entry().resolve("image.initrd").toString(),
                "-append", "root=PARTLABEL=root-x86-64 rw console=ttyS0 systemd.firstboot=off audit=0"
                        + " \"systemd.set_credential=ssh.authorized_keys.root:ssh-ed25519 AAAA k\"",
                "-drive", "file=" + work.resolve("o") + ",format=qcow2,if=virtio,cache=unsafe,discard=unmap",
                "-device", "virtio-rng-pci", "-nic", "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:40022-:22",
                "-device", "virtio-serial-pci,id=agentbus", "-chardev", "pipe,id=agent,path=" + work.resolve("channel/agent"),
                "-device", "virtserialport,bus=agentbus.0,chardev=agent,name=io.bootimage.agent"), cmd);
    }

    @Test
    void badQemuSettingsNameTheKeyAndWhatToUse() {
        for (String[] c : new String[][] {
                {"qemu.memory", "lots", "bootimage.qemu.memory = 'lots' is not valid: use a size in MiB such as 2048, or with a suffix M or G such as 2G"},
                {"qemu.memory", "0", "bootimage.qemu.memory = '0' is not valid"},
                {"qemu.cpus", "0", "bootimage.qemu.cpus = '0' is not valid: use a whole number from 1 to 999, such as 4"},
                {"qemu.cpus", "two", "bootimage.qemu.cpus = 'two' is not valid"},
                {"qemu.kernelArgs", "quiet\nx", "bootimage.qemu.kernelArgs = 'quiet?x' is not valid: use arguments on one line"},
                {"qemu.profile", "turbo", "bootimage.qemu.profile = 'turbo' is not valid: use fast or plain"}}) {
            io.github.bootimage.runtime.Settings s = new io.github.bootimage.runtime.Settings(
                    k -> k.equals("bootimage." + c[0]) ? java.util.Optional.of(c[1]) : java.util.Optional.empty());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                s.qemuMemory();
                s.qemuCpus();
                s.qemuKernelArgs();
                s.qemuProfile();
            });
            assertTrue(e.getMessage().startsWith(c[2]), e.getMessage());
        }
    }

    @Test
    void closeWithoutAnsweringMonitorKillsQemuAndRemovesTheWorkDirectory() throws Exception {
        Path bin = tmp.resolve("bin");
        Path args = tmp.resolve("qemu-img.args");
        script(bin, "qemu-img", "echo \"$@\" > " + args + "; for a; do last=$a; done; : > \"$last\"");
        script(bin, "qemu-system-x86_64", "echo 'root@localhost:~# '; exec sleep 300");
        RunningGuest g = backend(bin, "off").start(image(true), options(0));
        long pid = g.pid();
        assertTrue(g.isAlive());
        assertEquals("tcg", g.accelerator());
        assertTrue(Files.readString(args).contains("create -q -f qcow2 -F raw -b " + tmp.resolve("cache")), Files.readString(args));
        assertTrue(Files.exists(tmp.resolve("work/overlay.qcow2")));
        byte[] first = new byte[5];
        assertEquals(5, g.consoleOutput().readNBytes(first, 0, 5));
        assertEquals("root@", new String(first));
        g.close();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "qemu must be gone");
        assertFalse(Files.exists(tmp.resolve("work")), "the overlay and socket go with the work directory");
        assertTrue(g.exitDescription().startsWith("qemu-system-x86_64 exited with code"), g.exitDescription());
        g.close();
    }

    @Test
    void kvmInternalErrorKillsTheGuestAndSaysSo() throws Exception {
        Path bin = tmp.resolve("bin");
        script(bin, "qemu-img", "for a; do last=$a; done; : > \"$last\"");
        script(bin, "qemu-system-x86_64", "echo 'KVM internal error. Suberror: 1' >&2; echo 'emulation failure' >&2; exec sleep 300");
        Path dev = Files.createFile(tmp.resolve("kvm"));
        KvmSupport kvm = new KvmSupport(dev);
        HostTools tools = new HostTools(bin.toString() + ":/usr/bin:/bin");
        // The probe sees the same fake error, so 'auto' picks tcg; the guest itself then reports it too.
        RunningGuest g = new QemuBackend(tools, new ProcessRunner(tools), "auto", kvm, 500).start(image(true), options(0));
        assertEquals("tcg", g.accelerator());
        org.awaitility.Awaitility.await("fake guest killed after its KVM error").atMost(Duration.ofSeconds(10))
                .until(() -> !g.isAlive());
        String d = g.exitDescription();
        assertTrue(d.contains("after a KVM error (KVM internal error. Suberror: 1)"), d);
        assertTrue(d.contains("bootimage.kvm=off"), d);
        g.close();
    }
}
