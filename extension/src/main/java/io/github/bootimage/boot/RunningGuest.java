package io.github.bootimage.boot;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.OptionalLong;

/**
 * A started guest: its console and its processes. Closing it stops the guest with a clean halt,
 * a bounded wait, then escalation, and leaves no process behind.
 */
public interface RunningGuest extends AutoCloseable {

    /** The guest's console output (a pseudo-terminal for nspawn, the serial line for qemu). */
    InputStream consoleOutput();

    /** Writes to the guest's console. */
    OutputStream consoleInput();

    /** Whether the guest's host process still runs. */
    boolean isAlive();

    /** How the guest's host process ended, such as "systemd-nspawn exited with code 1", or "running". */
    String exitDescription();

    /** The host process that runs the guest (nspawn or qemu). */
    long pid();

    /** The guest's init as seen from the host, when it can be entered with nsenter. */
    OptionalLong initPid();

    /** "container" for nspawn, "kvm" or "tcg" for qemu. */
    String accelerator();

    /** Every host process that belongs to this guest now (for leak checks). */
    List<Long> processes();

    /** A command a person can run on the host to get a shell in the guest. */
    String loginHint();

    /**
     * Forwards the host's 127.0.0.1:{@code hostPort} to the guest's TCP port {@code guestPort}, for
     * backends that forward ports themselves (qemu's user network).
     */
    default void forwardPort(int hostPort, int guestPort) {
        throw new UnsupportedOperationException("this backend does not forward ports itself");
    }

    /** Sets the link of the guest's network card {@code id} up or down (qemu's {@code set_link}). */
    default void setLink(String id, boolean up) {
        throw new UnsupportedOperationException("this backend has no network cards of its own");
    }

    /** Stops the guest; nothing of it remains afterwards. Idempotent. */
    @Override
    void close();
}
