package io.github.bootimage.runner;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;
import picocli.CommandLine.Option;

/** Options every command shares: the cache directory and {@code -D bootimage.key=value} settings. */
public final class Config {

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "The image cache (bootimage.cache.dir; default ~/.cache/bootimage).")
    Path cacheDir;

    @Option(names = "--cache-remote", paramLabel = "URL",
            description = "A shared image cache in an OCI registry, oci://HOST[:PORT]/REPOSITORY (bootimage.cache.remote):"
                    + " pulled before a build, pushed after one.")
    String cacheRemote;

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A setting, such as -Dbootimage.unavailable=skip or -Dbootimage.mirror.debian=URL (repeatable).")
    Map<String, String> properties = new LinkedHashMap<>();

    /** Makes the settings system properties (the extension reads them as configuration parameters). */
    Map<String, String> apply() {
        if (cacheDir != null) {
            properties.put("bootimage.cache.dir", cacheDir.toAbsolutePath().toString());
        }
        if (cacheRemote != null) {
            properties.put("bootimage.cache.remote", cacheRemote);
        }
        properties.forEach(System::setProperty);
        return Map.copyOf(properties);
    }

    Settings settings() {
        apply();
        return Settings.fromSystemProperties();
    }

    private BootImageRuntime runtime;

    /** This command's runtime, made on first use; its machines are stopped when it closes or the JVM ends. */
    synchronized BootImageRuntime runtime() {
        if (runtime == null) {
            runtime = BootImageRuntime.forHost(settings());
        }
        return runtime;
    }
}
