package io.github.bootimage.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the host can do: who we are, whether systemd is PID 1. */
public final class HostCapabilities {
    private HostCapabilities() {
    }

    /** The effective user id of this JVM. */
    public static int euid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "root".equals(System.getProperty("user.name")) ? 0 : 1000;
    }

    public static boolean isRoot() {
        return euid() == 0;
    }

    /** Whether PID 1 is systemd (then nspawn may register with machined). */
    public static boolean systemdIsInit() {
        return Files.isDirectory(Path.of("/run/systemd/system"));
    }
}
