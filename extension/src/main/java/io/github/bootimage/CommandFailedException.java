package io.github.bootimage;

import java.time.Duration;

/**
 * A command did not give a usable result: its exit code was not the expected one, or it could not run
 * (the machine was gone, its answer was damaged). The message stands on its own in a test report; the
 * parts it names are fields too.
 */
public class CommandFailedException extends BootImageException {
    private final String machine;
    private final String command;
    private final transient ExecResult result;
    private final Duration duration;

    /** A failure without a machine or command of its own to name (a host command, a copy). */
    public CommandFailedException(String message, ExecResult result) {
        this(message, null, null, result, result == null ? null : result.duration(), null);
    }

    /**
     * @param message  the whole message, built by the caller once
     * @param machine  the machine's name, or null
     * @param command  the command line as the message shows it, or null
     * @param result   the command's result (possibly partial), or null when none arrived
     * @param duration how long it ran until it failed, or null when unknown
     * @param cause    what made it fail, or null
     */
    public CommandFailedException(String message, String machine, String command, ExecResult result, Duration duration,
                                  Throwable cause) {
        super(message, cause);
        this.machine = machine;
        this.command = command;
        this.result = result;
        this.duration = duration != null ? duration : result == null ? null : result.duration();
    }

    /** The command's result, or null when the command never completed (the machine was gone). */
    public ExecResult result() {
        return result;
    }

    /** The machine's name, or null when the failure was not on a machine. */
    public String machine() {
        return machine;
    }

    /** The command line, or null. */
    public String command() {
        return command;
    }

    /** How long the command ran until it failed, or null when unknown. */
    public Duration duration() {
        return duration;
    }
}
