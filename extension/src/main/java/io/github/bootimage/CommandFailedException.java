package io.github.bootimage;

/** A command's exit code was not the expected one; the message stands on its own in a test report. */
public class CommandFailedException extends BootImageException {
    private final transient ExecResult result;

    public CommandFailedException(String message, ExecResult result) {
        super(message);
        this.result = result;
    }

    /** The command's result, or null when the command never completed (the machine was gone). */
    public ExecResult result() {
        return result;
    }
}
