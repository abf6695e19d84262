package io.github.bootimage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A booted guest. Injected by {@link BootImage}; closed by the extension when its test or class ends.
 *
 * <pre>{@code
 * @Test
 * void nginxServes(Machine machine) {
 *     machine.waitForUnit("nginx.service", Duration.ofSeconds(30));
 *     String page = machine.succeed("curl", "-fsS", "http://localhost/");
 *     assertTrue(page.contains("Welcome"));
 * }
 * }</pre>
 */
public interface Machine extends AutoCloseable {

    /** Runs a command and returns its result; never throws for a non-zero exit code. */
    default ExecResult exec(String... argv) {
        return exec(ExecRequest.of(argv));
    }

    /** Runs a command with a timeout, environment, working directory, user or stdin. */
    ExecResult exec(ExecRequest request);

    /**
     * Runs a command that must succeed and returns its stdout.
     *
     * @throws CommandFailedException when the exit code is not 0; the message holds the command, the
     *                                exit code, the machine, and the head and tail of stdout and stderr
     */
    String succeed(String... argv);

    /**
     * Runs a command that must fail and returns its stderr.
     *
     * @throws CommandFailedException when the command exits with 0
     */
    String fail(String... argv);

    /** Waits until a systemd unit is active; fails fast when it enters the failed state. */
    void waitForUnit(String unit, Duration timeout);

    /** Waits until something listens on a TCP port inside the guest. */
    void waitForPort(int port, Duration timeout);

    /** Runs a command again and again until it succeeds, then returns its stdout. */
    String waitUntilSucceeds(Duration timeout, String... argv);

    /** Copies a host file or directory into the guest, keeping modes. */
    void copyTo(Path hostPath, String guestPath);

    /** Copies a guest file or directory to the host, keeping modes. */
    void copyFrom(String guestPath, Path hostPath);

    /** The guest's package database. */
    Packages packages();

    /** The guest's {@code /etc/os-release} as key-value pairs, unquoted. */
    Map<String, String> osRelease();

    /** Everything the guest printed on its console so far that was not a command's framed output. */
    String consoleLog();

    /** The guest's journal of this boot ({@code journalctl -b}). */
    String journal();

    /** The unique machine name on this host. */
    String name();

    /** The distribution (mkosi name). */
    String distro();

    /** How this machine runs: backend, transport, accelerator, ports. */
    MachineInfo info();

    /**
     * A TCP port on the host's 127.0.0.1 that reaches the guest's port {@code guestPort}: chosen free by
     * bootimage (never {@code guestPort} itself), the same for every call, open until the machine stops.
     * Works on isolated machines and on named networks, for nspawn and qemu, over either transport; the
     * guest need not listen yet (a connection while nothing listens is closed at once).
     *
     * @throws IllegalArgumentException when {@code guestPort} is not 1 to 65535
     */
    default int hostPort(int guestPort) {
        throw new UnsupportedOperationException("hostPort is not supported by " + getClass().getName());
    }

    /**
     * Takes this machine's links on its named networks down, as if their cables were pulled: the
     * other machines no longer reach it (and it them) until {@link #linkUp()}. Loopback, published ports
     * and the transport keep working.
     */
    default void linkDown() {
        throw new UnsupportedOperationException("linkDown is not supported by " + getClass().getName());
    }

    /** Brings this machine's links on its named networks up again after {@link #linkDown()}. */
    default void linkUp() {
        throw new UnsupportedOperationException("linkUp is not supported by " + getClass().getName());
    }

    /** Stops the machine; nothing of it is left running afterwards. Idempotent. */
    @Override
    void close();
}
