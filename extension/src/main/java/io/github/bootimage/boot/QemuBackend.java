package io.github.bootimage.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.image.Image;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/**
 * Boots images as unprivileged qemu virtual machines.
 *
 * <p><b>The root disk.</b> A qemu image is always a disk image built by mkosi ({@code Format=disk},
 * which {@code BootImageRuntime} sets for {@code boot = QEMU} together with the distribution's kernel
 * packages). mkosi makes the GPT disk with systemd-repart, offline: no root, no loop device, and it
 * works the same as root and as a normal user with subordinate ids. So the disk
 * ({@code image.raw}), the kernel ({@code image.vmlinuz}) and the initrd ({@code image.initrd}) are the
 * cache entry itself, written and published atomically under the cache's lock like any image. A
 * directory image is not converted: one built by an unprivileged mkosi belongs to subordinate ids,
 * and copying it into a file system would keep the wrong owners.
 *
 * <p><b>A boot.</b> Direct kernel boot of the image's kernel and initrd with
 * {@code root=PARTLABEL=root-x86-64} (the root partition mkosi names) and {@value #KERNEL_COMMAND_LINE};
 * the disk is the backing file of a qcow2 overlay in the machine's work directory, so writes never reach
 * the cache and the overlay goes with the work directory; the serial line is qemu's stdin and stdout
 * (the console transport's stream; the image autologins root on ttyS0); user-mode networking with
 * the machine's own SSH port forwarded from 127.0.0.1; QMP on a Unix socket for a clean stop. The
 * accelerator follows {@code bootimage.kvm} (see {@link KvmSupport}) and is logged. The {@link Profile}
 * (bootimage.qemu.profile) adds what makes a boot under TCG fast: see {@link Profile#FAST}.
 */
public final class QemuBackend implements BootBackend {
    private static final System.Logger LOG = System.getLogger(QemuBackend.class.getName());

    /** The qemu program. */
    public static final String QEMU = "qemu-system-x86_64";
    /**
     * What every guest's kernel gets besides the root device: the serial console, no interactive
     * first boot, and no kernel audit messages (without auditd the kernel prints every unit start and
     * stop on the console, where they would land in the middle of the console transport's frames).
     */
    public static final String KERNEL_COMMAND_LINE = "rw console=ttyS0 systemd.firstboot=off audit=0";
    /** Replaced by tapfd.py with the number of the tap's open file. */
    public static final String TAP_FD = "@TAPFD@";
    /** The id of the user-mode network's netdev (fast profile). */
    private static final String USER_NETDEV = "user0";
    /** The partition label mkosi gives the root partition of an x86-64 disk. */
    public static final String ROOT = "root=PARTLABEL=root-x86-64";

    private final HostTools tools;
    private final ProcessRunner runner;
    private final String kvmPolicy;
    private final KvmSupport kvm;
    private final long powerOffMillis;
    private final Sizing sizing;

    /**
     * How a VM starts. Under TCG every instruction of the guest is translated and every device access is
     * emulated, so what a guest does before its first command costs far more than under KVM.
     */
    public enum Profile {
        /**
         * The default: the initrd's udev and systemd print only errors on the serial console (each byte
         * written to the emulated 16550 is an exit to qemu); the kernel keeps its messages there, so that a
         * boot that times out shows in its console tail how far the kernel got; the units a test VM has no
         * use for ({@link QemuBackend#MASKED_UNITS}) masked for the boot (the image stays the same); the network card without its iPXE boot ROM (the kernel is
         * booted directly, the firmware would only load and start the ROM); {@link FastInitrd} instead of mkosi's
         * initrd where it can be made; and under TCG {@link QemuBackend#TCG_KERNEL_ARGS}.
         */
        FAST,
        /** The command line before that tuning, kept to measure it against (the bench's baseline). */
        PLAIN
    }

    /** The kernel arguments of {@link Profile#FAST} on every accelerator (the units to mask follow them). */
    public static final String QUIET_KERNEL_ARGS = "systemd.show_status=error rd.systemd.show_status=error rd.udev.log_level=3";
    /**
     * The kernel arguments of {@link Profile#FAST} under TCG only. {@code tsc=reliable}: with two vCPUs the
     * kernel finds the TSCs "unsynchronized" (its check races with the emulation) and falls back to the
     * HPET, whose every read is an emulated device access (each clock read of the kernel, each
     * {@code clock_gettime}); TCG's TSC is the host's, the same for every vCPU. {@code mitigations=off}:
     * the mitigations guard the guest's processes against each other on a real CPU, which TCG does not
     * give them; they only cost (retpolines, barriers, return stack filling). {@code modprobe.blacklist}:
     * modules udev would load for the emulated CPU and chipset and nothing uses (KVM for the CPU's SVM flag,
     * the IDE controller's ATA drivers with no IDE disk, raw keyboard access), each loaded and initialised
     * by emulated code in the initrd and again in the system.
     */
    public static final String TCG_KERNEL_ARGS = "mitigations=off tsc=reliable"
            + " modprobe.blacklist=kvm,kvm_amd,kvm_intel,ata_piix,ata_generic,libata,serio_raw";
    /**
     * What {@link Profile#FAST} masks with {@code systemd.mask=} for the boot: timers of daily upkeep
     * (package lists, manual index, file system scrubs and trims, database backups, log rotation) that a
     * short-lived test VM never needs, and whose services would otherwise compete with the test for the
     * CPU. A unit an image does not have is masked to no effect.
     */
    public static final List<String> MASKED_UNITS = List.of("apt-daily.timer", "apt-daily-upgrade.timer", "man-db.timer",
            "e2scrub_all.timer", "e2scrub_reap.service", "fstrim.timer", "logrotate.timer", "dpkg-db-backup.timer");

    /**
     * A VM's size, extra kernel arguments and profile (bootimage.qemu.memory, .cpus, .kernelArgs, .profile).
     *
     * @param memory     qemu's {@code -m}: MiB, or a number with a suffix M or G
     * @param cpus       qemu's {@code -smp}
     * @param kernelArgs appended to the kernel command line, after bootimage's own (empty for none)
     * @param profile    how the VM starts
     */
    public record Sizing(String memory, int cpus, String kernelArgs, Profile profile) {
        /** 1024 MiB, 2 CPUs, no extra kernel arguments, the fast profile. */
        public static final Sizing DEFAULT = new Sizing("1024", 2, "", Profile.FAST);
        /** The VM before the TCG tuning: 1024 MiB, 2 CPUs, no extra kernel arguments, the plain profile. */
        public static final Sizing PLAIN = new Sizing("1024", 2, "", Profile.PLAIN);
    }

    /** A backend with a KVM verdict of its own (of /dev/kvm) and a 20 s bound on a clean power-off. */
    public QemuBackend(HostTools tools, ProcessRunner runner, String kvmPolicy) {
        this(tools, runner, kvmPolicy, new KvmSupport(java.nio.file.Path.of("/dev/kvm")), 20_000);
    }

    public QemuBackend(HostTools tools, ProcessRunner runner, String kvmPolicy, KvmSupport kvm, long powerOffMillis) {
        this(tools, runner, kvmPolicy, kvm, powerOffMillis, Sizing.DEFAULT);
    }

    public QemuBackend(HostTools tools, ProcessRunner runner, String kvmPolicy, KvmSupport kvm, long powerOffMillis, Sizing sizing) {
        this.sizing = sizing;
        this.tools = tools;
        this.runner = runner;
        this.kvmPolicy = KvmSupport.policy(kvmPolicy);
        this.kvm = kvm;
        this.powerOffMillis = powerOffMillis;
    }

    @Override
    public Boot kind() {
        return Boot.QEMU;
    }

    /** Why this host cannot run qemu VMs, or null when it can. */
    public String unusableReason() {
        if (tools.find(QEMU).isEmpty()) {
            return HostTools.missingMessage(QEMU, "to boot images as virtual machines");
        }
        if (tools.find("qemu-img").isEmpty()) {
            return HostTools.missingMessage("qemu-img", "to give each virtual machine a private overlay of its disk");
        }
        return null;
    }

    /** The qemu command line for an image. */
    public List<String> command(Image image, GuestOptions o, String accelerator, Path overlay, Path qmpSocket) {
        List<String> cmd = new ArrayList<>(List.of(QEMU, "-name", o.name(), "-accel", accelerator));
        if (accelerator.equals("kvm")) {
            cmd.addAll(List.of("-cpu", "host"));
        }
        cmd.addAll(List.of("-m", sizing.memory(), "-smp", Integer.toString(sizing.cpus()), "-nodefaults", "-no-user-config", "-display", "none",
                "-monitor", "none", "-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console",
                "-qmp", "unix:" + qmpSocket + ",server=on,wait=off",
                "-kernel", image.kernel().orElseThrow().toString()));
        boolean fast = sizing.profile() == Profile.FAST;
        (fast ? FastInitrd.forImage(image, FastInitrd.BUSYBOX).or(image::initrd) : image.initrd())
                .ifPresent(i -> cmd.addAll(List.of("-initrd", i.toString())));
        StringBuilder append = new StringBuilder(ROOT).append(' ').append(KERNEL_COMMAND_LINE);
        if (fast) {
            append.append(' ').append(QUIET_KERNEL_ARGS);
            if (!accelerator.equals("kvm")) {
                append.append(' ').append(TCG_KERNEL_ARGS);
            }
            MASKED_UNITS.forEach(u -> append.append(" systemd.mask=").append(u));
        }
        var link = o.network() == null ? null : o.network().qemuLink();
        if (link != null && o.network().hostname() != null) {
            append.append(" systemd.hostname=").append(o.network().hostname());
        }
        if (!sizing.kernelArgs().isBlank()) {
            append.append(' ').append(sizing.kernelArgs().strip());
        }
        if (o.authorizedKey() != null) {
            append.append(" \"systemd.set_credential=ssh.authorized_keys.root:").append(o.authorizedKey().strip()).append('"');
        }
        cmd.addAll(List.of("-append", append.toString(),
                "-drive", "file=" + overlay + ",format=qcow2,if=virtio,cache=unsafe,discard=unmap",
                "-device", "virtio-rng-pci"));
        String user = (o.network() != null && !o.network().request().host() ? ",restrict=on" : "")
                + (o.sshPort() > 0 ? ",hostfwd=tcp:127.0.0.1:" + o.sshPort() + "-:22" : "");
        if (fast) {
            // The same card as -nic's, without the boot ROM (romfile= empty).
            cmd.addAll(List.of("-netdev", "user,id=" + USER_NETDEV + user, "-device", "virtio-net-pci,netdev=" + USER_NETDEV + ",romfile="));
        } else {
            cmd.addAll(List.of("-nic", "user,model=virtio-net-pci" + user));
        }
        if (link != null) {
            // A second card on the named network: the tap that tapfd.py opens in the network's namespace.
            cmd.addAll(List.of("-netdev", "tap,id=" + link.id() + ",fd=" + TAP_FD,
                    "-device", "virtio-net-pci,netdev=" + link.id() + ",mac=" + link.mac()));
        }
        if (o.agentChannel() != null) {
            // The agent's own channel: a virtio-serial port on two host FIFOs; nothing else in the guest writes to it.
            cmd.addAll(List.of("-device", "virtio-serial-pci,id=agentbus",
                    "-chardev", "pipe,id=agent,path=" + o.agentChannel().qemuPipePath(),
                    "-device", "virtserialport,bus=agentbus.0,chardev=agent,name=" + AgentChannel.PORT_NAME));
        }
        return cmd;
    }

    @Override
    public RunningGuest start(Image image, GuestOptions o) {
        String why = unusableReason();
        if (why != null) {
            throw new MachineLaunchException("Cannot boot " + image.spec().label() + " with qemu: " + why);
        }
        if (!Files.isRegularFile(image.disk())) {
            throw new MachineLaunchException("qemu boots disk images, but " + image.entry() + " has no "
                    + image.disk().getFileName() + " (it holds a directory image, built for nspawn). Use format ="
                    + " ImageFormat.DISK, or let boot = Boot.QEMU build the image, which does so itself.");
        }
        if (image.kernel().isEmpty()) {
            throw new MachineLaunchException(noKernelMessage(image));
        }
        String accelerator = kvm.choose(kvmPolicy, image.kernel().get(), tools);
        LOG.log(System.Logger.Level.INFO, "VM {0} ({1}) boots with accelerator {2} (bootimage.kvm={3}; KVM: {4})",
                o.name(), image.spec().label(), accelerator, kvmPolicy, kvm.reason());
        Path overlay = o.workDir().resolve("overlay.qcow2");
        Path qmp = o.workDir().resolve("qmp.sock");
        try {
            Files.createDirectories(o.workDir());
            createOverlay(image.disk(), overlay);
            List<String> argv = new ArrayList<>(command(image, o, accelerator, overlay, qmp));
            argv.set(0, tools.require(QEMU, "to boot images as virtual machines").toString());
            var link = o.network() == null ? null : o.network().qemuLink();
            if (link != null) {
                argv.addAll(0, List.of(python(), "-I", script(o.workDir(), "tapfd.py").toString(), link.netnsPath(), link.tap()));
            }
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().put("PATH", tools.path());
            pb.environment().put("TMPDIR", o.workDir().toString());
            Process p = pb.start();
            return new QemuGuest(p, o.name(), accelerator, o.workDir(), qmp, o.sshPort(), powerOffMillis, kvm::kvmFailed);
        } catch (IOException e) {
            throw new MachineLaunchException("Could not start qemu for " + image.spec().label() + " in " + o.workDir()
                    + ": " + e.getMessage(), e);
        }
    }

    private String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
                : tools.require("python3", "to plug virtual machines into named networks").toString();
    }

    /** Writes one of boot/net's helper scripts into the work directory. */
    private static Path script(Path workDir, String name) throws IOException {
        Path script = workDir.resolve(name);
        try (var s = io.github.bootimage.boot.net.GuestNetwork.class.getResourceAsStream(name)) {
            Files.write(script, s.readAllBytes());
        }
        return script;
    }

    /** The message for an image without a kernel: it names the packages to add. */
    public static String noKernelMessage(Image image) {
        List<String> pkgs = image.spec().distro().kernelPackages();
        return "Image " + image.spec().label() + " (" + image.entry() + ") has no kernel (no image.vmlinuz"
                + " beside it), and a qemu VM boots the image's own kernel. Add the kernel packages of "
                + image.spec().distro().name() + " to the image: packages = {\"" + String.join("\", \"", pkgs) + "\"}"
                + " (boot = Boot.QEMU adds them itself; an image built for nspawn has none).";
    }

    private void createOverlay(Path disk, Path overlay) throws IOException {
        String qemuImg = tools.require("qemu-img", "to create overlay disks").toString();
        ProcessRunner.Result r = runner.run(List.of(qemuImg, "create", "-q", "-f", "qcow2", "-F", "raw",
                "-b", disk.toString(), overlay.toString()), Duration.ofSeconds(30));
        if (!r.succeeded()) {
            throw new MachineLaunchException("Could not create the overlay disk " + overlay + " over " + disk
                    + " (exit code " + r.exitCode() + "): " + r.output().strip() + "\ncommand: " + r.commandLine());
        }
    }
}
