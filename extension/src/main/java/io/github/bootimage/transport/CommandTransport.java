package io.github.bootimage.transport;

import java.nio.file.Path;
import java.time.Duration;

import io.github.bootimage.ExecRequest;
import io.github.bootimage.ExecResult;

/** Runs commands in a guest and copies files in and out. */
public interface CommandTransport extends AutoCloseable {

    /** "console" or "ssh". */
    String name();

    /**
     * Runs a command.
     *
     * @param timeout how long it may run (the request's own timeout wins when set)
     * @throws io.github.bootimage.CommandTimeoutException when it ran too long; it was killed
     */
    ExecResult exec(ExecRequest request, Duration timeout);

    /** Copies a host file or directory into the guest, keeping modes. */
    void copyTo(Path hostPath, String guestPath);

    /** Copies a guest file or directory to the host, keeping modes. */
    void copyFrom(String guestPath, Path hostPath);

    @Override
    void close();
}
