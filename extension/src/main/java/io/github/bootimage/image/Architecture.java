package io.github.bootimage.image;

import java.util.Locale;

/** The host's CPU architecture in mkosi's words: an image runs only where it was built for. */
public final class Architecture {
    private Architecture() {
    }

    /** {@code x86-64}, {@code arm64}, ... for this JVM's host. */
    public static String host() {
        String a = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "x86-64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "x86";
            case "arm" -> "arm";
            case "ppc64le" -> "ppc64-le";
            case "riscv64" -> "riscv64";
            case "s390x" -> "s390x";
            default -> a.replaceAll("[^a-z0-9]+", "-");
        };
    }
}
