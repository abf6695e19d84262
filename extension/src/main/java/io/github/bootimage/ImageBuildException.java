package io.github.bootimage;

/** mkosi could not build an image; the message holds the command, its exit code and the lines that explain it. */
public class ImageBuildException extends BootImageException {
    public ImageBuildException(String message) {
        super(message);
    }

    public ImageBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
