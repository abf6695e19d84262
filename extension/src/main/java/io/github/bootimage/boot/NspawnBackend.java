package io.github.bootimage.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.image.Image;
import io.github.bootimage.process.HostTools;

/**
 * Boots a directory image with systemd-nspawn: {@code --volatile=overlay} keeps the image pristine,
 * a pseudo-terminal carries the console, and without a systemd PID 1 on the host nspawn runs with
 * {@code --register=no --keep-unit}. One SIGTERM to nspawn halts the guest; what is left after the
 * grace period is killed.
 */
public final class NspawnBackend implements BootBackend {

    private final HostTools tools;
    private final long stopGraceMillis;
    private final java.util.function.IntSupplier euid;

    public NspawnBackend(HostTools tools, long stopGraceMillis) {
        this(tools, stopGraceMillis, HostCapabilities::euid);
    }

    /** With the effective user id from {@code euid} (a seam for tests). */
    public NspawnBackend(HostTools tools, long stopGraceMillis, java.util.function.IntSupplier euid) {
        this.tools = tools;
        this.stopGraceMillis = stopGraceMillis;
        this.euid = euid;
    }

    @Override
    public Boot kind() {
        return Boot.NSPAWN;
    }

    /** Why this host cannot run nspawn, or null when it can. */
    @Override
    public String unusableReason() {
        if (euid.getAsInt() != 0) {
            return "systemd-nspawn needs root, and this JVM runs as uid " + euid.getAsInt()
                    + ". Run the tests as root, or use boot = Boot.QEMU (or -Dbootimage.boot=qemu), which needs no privileges.";
        }
        if (tools.find("systemd-nspawn").isEmpty()) {
            return HostTools.missingMessage("systemd-nspawn", "to boot images as containers")
                    + " Or use boot = Boot.QEMU.";
        }
        if (tools.find("script").isEmpty()) {
            return HostTools.missingMessage("script", "to give the container's console a pseudo-terminal");
        }
        return null;
    }

    /** The nspawn command line for an image. */
    public List<String> command(Image image, GuestOptions o) {
        List<String> cmd = new ArrayList<>(List.of("systemd-nspawn", "--quiet", "--boot",
                "--directory=" + image.directory(), "--volatile=overlay", "--machine=" + o.name(),
                "--console=interactive", "--resolv-conf=off", "--timezone=off", "--link-journal=no"));
        if (!HostCapabilities.systemdIsInit()) {
            cmd.add("--register=no");
            cmd.add("--keep-unit");
        }
        var net = o.network();
        if (net != null && net.netnsPath() != null) {
            // A namespace bootimage made (loopback, and links to named networks): see boot/net/NspawnNetwork.
            cmd.add("--network-namespace-path=" + net.netnsPath());
        }
        if (net != null && net.hostname() != null) {
            cmd.add("--hostname=" + net.hostname());
            // systemd in the container would set the image's /etc/hostname (if it has one) over nspawn's.
            cmd.add("--bind-ro=" + o.workDir().resolve("hostname") + ":/etc/hostname");
        }
        if (net != null && net.hostsFile() != null) {
            cmd.add("--bind-ro=" + net.hostsFile() + ":/etc/hosts");
        }
        if (image.spec().hasSshServer()) {
            cmd.add("--bind-ro=" + o.workDir().resolve("ssh.socket.d") + ":/etc/systemd/system/ssh.socket.d");
            cmd.add("--bind-ro=" + o.workDir().resolve("ssh.socket.d") + ":/etc/systemd/system/sshd.socket.d");
        }
        if (o.agentChannel() != null) {
            cmd.add("--bind=" + o.agentChannel().toGuest().getParent() + ":" + AgentChannel.CONTAINER_DIR);
        }
        if (o.authorizedKey() != null) {
            cmd.add("--set-credential=ssh.authorized_keys.root:" + o.authorizedKey().strip());
        }
        // Arguments for the guest's init: in a container systemd reads its "kernel command line" from them.
        // Without this, systemd-firstboot stops the first boot at an interactive prompt on the console.
        cmd.add("systemd.firstboot=off");
        return cmd;
    }

    @Override
    public RunningGuest start(Image image, GuestOptions o) {
        String why = unusableReason();
        if (why != null) {
            throw new MachineLaunchException("Cannot boot " + image.spec().label() + " with systemd-nspawn: " + why);
        }
        if (!image.isDirectory()) {
            throw new MachineLaunchException("systemd-nspawn boots directory images, but " + image.entry()
                    + " holds a disk image. Use format = ImageFormat.DIRECTORY, or boot = Boot.QEMU for disks.");
        }
        try {
            Files.createDirectories(o.workDir());
            if (o.network() != null && o.network().hostname() != null) {
                Files.writeString(o.workDir().resolve("hostname"), o.network().hostname() + "\n");
            }
            if (image.spec().hasSshServer()) {
                // Debian's images socket-activate sshd on port 22; empty ListenStream= and listen on our port only.
                Path d = Files.createDirectories(o.workDir().resolve("ssh.socket.d"));
                int port = o.sshPort() > 0 ? o.sshPort() : 22;
                Files.writeString(d.resolve("bootimage.conf"),
                        "[Socket]\nListenStream=\nListenStream=127.0.0.1:" + port + "\n");
            }
            GuestProcess p = GuestProcess.start(command(image, o), true, "systemd-nspawn", tools.path());
            return new Guest(p, o);
        } catch (IOException e) {
            throw new MachineLaunchException("Could not start systemd-nspawn for " + image.spec().label() + ": " + e.getMessage(), e);
        }
    }

    private final class Guest implements RunningGuest {
        private final GuestProcess process;
        private final GuestOptions options;
        private volatile boolean closed;

        Guest(GuestProcess process, GuestOptions options) {
            this.process = process;
            this.options = options;
        }

        @Override
        public InputStream consoleOutput() {
            return process.output();
        }

        @Override
        public OutputStream consoleInput() {
            return process.input();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public String exitDescription() {
            return process.exitDescription();
        }

        @Override
        public long pid() {
            return process.child("systemd-nspawn").map(ProcessHandle::pid).orElse(process.pid());
        }

        @Override
        public OptionalLong initPid() {
            return process.child("systemd-nspawn")
                    .flatMap(n -> n.children().findFirst())
                    .map(h -> OptionalLong.of(h.pid())).orElse(OptionalLong.empty());
        }

        @Override
        public String accelerator() {
            return "container";
        }

        @Override
        public List<Long> processes() {
            return process.processes();
        }

        @Override
        public String loginHint() {
            OptionalLong init = initPid();
            return init.isPresent() ? "nsenter -t " + init.getAsLong() + " -a /bin/bash -l" : "(machine is not running)";
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            process.stop(() -> process.child("systemd-nspawn").ifPresentOrElse(ProcessHandle::destroy,
                    () -> process.process().destroy()), stopGraceMillis);
            io.github.bootimage.image.ImageCache.deleteTree(options.workDir());
        }
    }
}
