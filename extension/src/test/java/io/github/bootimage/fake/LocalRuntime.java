package io.github.bootimage.fake;

import java.nio.file.Path;

import io.github.bootimage.Boot;
import io.github.bootimage.boot.HostCapabilities;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.RemoteCache;
import io.github.bootimage.process.HostTools;
import io.github.bootimage.process.ProcessRunner;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;

/**
 * The unit tier's runtime ({@code bootimage.runtime=io.github.bootimage.fake.LocalRuntime}): the real
 * runtime, image cache and transports with {@link FakeImageBuilder} and {@link LocalShellBackend} for
 * both kinds of boot, and bootimage.build.parallelism as the real runtime takes it (layers off: the
 * fake builder's images are empty). Its images are under {@code bootimage.cache.dir}; its start and stop
 * events go to {@link #events(Path)} of that directory.
 */
public final class LocalRuntime implements BootImageRuntime.Provider {

    /** The events file of a cache directory. */
    public static Path events(Path cacheDir) {
        return cacheDir.resolve("local-events.log");
    }

    @Override
    public BootImageRuntime create(Settings settings) {
        HostTools tools = HostTools.fromEnvironment(null, true);
        Path cache = settings.cacheDir();
        Path events = events(cache);
        return BootImageRuntime.builder(settings)
                .tools(tools)
                .runner(new ProcessRunner(tools))
                // The host's runtime directory: the JVM's one reaper keeps its registry there.
                .runtimeDir(Path.of(System.getProperty("java.io.tmpdir"), "bootimage-" + HostCapabilities.euid()))
                .cache(() -> new ImageCache(cache, new MkosiVersion(24, "24.3"), new FakeImageBuilder(), MirrorCheck.none(),
                        RemoteCache.NONE, null, false, settings.buildParallelism()))
                .backend(Boot.NSPAWN, new LocalShellBackend(Boot.NSPAWN, events))
                .backend(Boot.QEMU, new LocalShellBackend(Boot.QEMU, events))
                .build();
    }
}
