package io.github.bootimage.runner;

/** Entry point of the {@code bootimage} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(0);
    }
}
