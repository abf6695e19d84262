package io.github.bootimage;

import java.time.Duration;

/**
 * A command ran longer than its timeout and was killed (or its answer did not come); the machine stays
 * usable. The machine, command, timeout and the output that arrived are fields as well as in the message.
 */
public class CommandTimeoutException extends BootImageException {
    private final String machine;
    private final String command;
    private final Duration timeout;
    private final transient ExecResult partial;

    public CommandTimeoutException(String message) {
        super(message);
        this.machine = null;
        this.command = null;
        this.timeout = null;
        this.partial = null;
    }

    /**
     * @param message the whole message, built once (by the project's {@code Failures})
     * @param timeout the timeout that ran out
     * @param partial the output that arrived before the kill, or null when none did
     */
    public CommandTimeoutException(String message, String machine, String command, Duration timeout, ExecResult partial) {
        super(message);
        this.machine = machine;
        this.command = command;
        this.timeout = timeout;
        this.partial = partial;
    }

    /** The machine's name, or null. */
    public String machine() {
        return machine;
    }

    /** The command line, or null. */
    public String command() {
        return command;
    }

    /** The timeout that ran out, or null. */
    public Duration timeout() {
        return timeout;
    }

    /** What the command wrote before it was killed, or null when nothing arrived. */
    public ExecResult partial() {
        return partial;
    }
}
