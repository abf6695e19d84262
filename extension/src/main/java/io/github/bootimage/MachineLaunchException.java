package io.github.bootimage;

/** A machine could not be started or did not become ready; the message holds the console tail. */
public class MachineLaunchException extends BootImageException {
    private final String reason;

    public MachineLaunchException(String message) {
        super(message);
        this.reason = message;
    }

    public MachineLaunchException(String message, Throwable cause) {
        super(message, cause);
        this.reason = message;
    }

    /**
     * @param reason      what went wrong and what to do
     * @param consoleTail the console's last lines as messages show them (" Console tail:\n..."), or ""
     * @param cause       what made it fail, or null
     */
    public MachineLaunchException(String reason, String consoleTail, Throwable cause) {
        super(reason + consoleTail, cause);
        this.reason = reason;
    }

    /** The message without the console tail (for a message that wraps this one and shows the tail itself). */
    public String reason() {
        return reason;
    }
}
