package io.github.bootimage.boot;

import io.github.bootimage.Boot;
import io.github.bootimage.MachineLaunchException;
import io.github.bootimage.image.Image;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;

/** Boots images as unprivileged qemu virtual machines (work in progress: see issue "qemu backend"). */
public final class QemuBackend implements BootBackend {
    private final HostTools tools;
    private final ProcessRunner runner;
    private final String kvmPolicy;

    public QemuBackend(HostTools tools, ProcessRunner runner, String kvmPolicy) {
        this.tools = tools;
        this.runner = runner;
        this.kvmPolicy = kvmPolicy;
    }

    @Override
    public Boot kind() {
        return Boot.QEMU;
    }

    @Override
    public RunningGuest start(Image image, GuestOptions options) {
        throw new MachineLaunchException("The qemu backend is not available in this build (kvm=" + kvmPolicy + ", "
                + tools.path().length() + runner.hashCode() + "): use boot = Boot.NSPAWN");
    }
}
