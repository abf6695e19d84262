package io.github.bootimage.it;

import java.util.Optional;

import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;

/** The runtime the image tier uses outside JUnit's own configuration: system properties, one for the test JVM. */
final class ImageTier {
    private ImageTier() {
    }

    static Settings settings() {
        return new Settings(k -> Optional.ofNullable(System.getProperty(k)));
    }

    private static BootImageRuntime runtime;

    /** One runtime for the image tier's JVM; its shutdown hook stops what the tests leave running. */
    static synchronized BootImageRuntime factory() {
        if (runtime == null) {
            runtime = BootImageRuntime.forHost(settings());
        }
        return runtime;
    }

    /** Processes whose command line mentions a machine name. */
    static long processesMentioning(String name) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(name)).orElse(false))
                .count();
    }
}
