package io.github.bootimage;

/** A command ran longer than its timeout and was killed; the machine stays usable. */
public class CommandTimeoutException extends BootImageException {
    public CommandTimeoutException(String message) {
        super(message);
    }
}
