package io.github.bootimage.boot.net;

import java.util.Map;

import io.github.bootimage.boot.RunningGuest;

/** A machine's networking: its namespace or user network, published ports, and its links on named networks. */
public interface GuestNetwork extends AutoCloseable {

    /** What was asked for. */
    NetworkRequest request();

    /**
     * The network namespace a container runs in ({@code /run/netns/NAME}), or null for the host's
     * (and for virtual machines).
     */
    default String netnsPath() {
        return null;
    }

    /** The guest's host name on its named network, or null to leave it to the backend. */
    default String hostname() {
        return null;
    }

    /** A hosts file to bind over the guest's /etc/hosts, or null. */
    default java.nio.file.Path hostsFile() {
        return null;
    }

    /** A virtual machine's card on a named network, or null. */
    default QemuLink qemuLink() {
        return null;
    }

    /**
     * A VM's card on a named network: qemu opens the tap {@code tap} in the namespace {@code netnsPath}
     * (through {@code tapfd.py}); the card's MAC and qemu's id of it ({@code -netdev}, {@code set_link}).
     */
    record QemuLink(String netnsPath, String tap, String mac, String id) {
    }

    /**
     * Called once the guest answers commands, with a way to run them (a VM on a named network sets its
     * address and /etc/hosts so); an exception fails the boot.
     */
    default void ready(java.util.function.Function<io.github.bootimage.ExecRequest, io.github.bootimage.ExecResult> exec) {
    }

    /** Called once the guest runs (qemu publishes ports through its monitor). */
    default void started(RunningGuest guest) {
    }

    /** A port on the host's 127.0.0.1 that reaches the guest's TCP port {@code guestPort}. */
    int hostPort(int guestPort);

    /** Takes the machine's links on its named networks down (true) or up again (false). */
    void setLinksDown(boolean down);

    /** The machine's addresses per named network. */
    Map<String, String> addresses();

    /** Lines for the reaper: what to remove if the JVM dies ("netns NAME", "kill PID START"). */
    java.util.List<String> reaperLines();

    @Override
    void close();
}
