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
     * The message is built here: "Command [COMMAND] on machine MACHINE (VIA) WHAT", then the output so far.
     *
     * @param via     how the command travelled: "console", "agent channel", "ssh"
     * @param what    what happened and what to do, such as "timed out after 500 ms and was killed; ..."
     * @param partial the output that arrived before the kill, or null when none did
     */
    public CommandTimeoutException(String machine, String via, String command, Duration timeout, String what,
                                   ExecResult partial) {
        super("Command [" + command + "] on machine " + machine + " (" + via + ") " + what
                + (partial == null ? "" : " Output so far:" + partial.sections()));
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
