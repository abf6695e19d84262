package io.github.bootimage.it;

import java.util.Optional;

import io.github.bootimage.internal.MachineFactory;
import io.github.bootimage.internal.Settings;

/** The factory the image tier uses outside JUnit's own configuration: system properties. */
final class ImageTier {
    private ImageTier() {
    }

    static Settings settings() {
        return new Settings(k -> Optional.ofNullable(System.getProperty(k)));
    }

    static MachineFactory factory() {
        return MachineFactory.shared(settings());
    }

    /** Processes whose command line mentions a machine name. */
    static long processesMentioning(String name) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(name)).orElse(false))
                .count();
    }
}
