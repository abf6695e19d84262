package io.github.bootimage;

/** Base of the exceptions bootimage throws; each message says what failed and what to do. */
public class BootImageException extends RuntimeException {
    public BootImageException(String message) {
        super(message);
    }

    public BootImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
