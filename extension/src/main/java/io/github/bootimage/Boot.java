package io.github.bootimage;

/** How an image is booted. */
public enum Boot {
    /** nspawn when the host can run it (root, systemd-nspawn present, a directory image), qemu otherwise. */
    AUTO,
    /** A systemd-nspawn container: fast, needs root on the host. */
    NSPAWN,
    /** A qemu virtual machine: its own kernel, works without privileges. */
    QEMU
}
