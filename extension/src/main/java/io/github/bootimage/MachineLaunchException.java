package io.github.bootimage;

/** A machine could not be started or did not become ready; the message holds the console tail. */
public class MachineLaunchException extends BootImageException {
    public MachineLaunchException(String message) {
        super(message);
    }

    public MachineLaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
