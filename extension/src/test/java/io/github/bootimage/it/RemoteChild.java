package io.github.bootimage.it;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.image.remote.RegistryCache;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;

/**
 * Another "machine": a JVM with its own image cache (args[0]) and the remote cache of the system
 * properties, resolving debian:bookworm with an extra tree (args[1]); prints where the image came
 * from and how often mkosi ran.
 */
public final class RemoteChild {
    private RemoteChild() {
    }

    public static void main(String[] args) {
        Settings s = ImageTier.settings();
        BootImageRuntime f = BootImageRuntime.forHost(s);
        AtomicInteger builds = new AtomicInteger();
        MkosiBuilder mkosi = new MkosiBuilder(f.runner(), s.cacheDir(), s.buildTimeout(), true);
        ImageCache cache = new ImageCache(Path.of(args[0]), MkosiVersion.detect(f.runner()), (spec, config, out, log) -> {
            builds.incrementAndGet();
            mkosi.build(spec, config, out, log);
        }, MirrorCheck.none(), RegistryCache.fromSettings(s), null);
        Path tree = Path.of(args[1]);
        ImageSpec spec = f.effectiveSpec(ImageSpec.of("debian", "bookworm").withExtraTrees(tree.getParent(),
                tree.getFileName().toString()), Boot.NSPAWN, Transport.CONSOLE);
        Image img = cache.resolve(spec);
        System.out.println("RESOLVED " + img.entry() + " origin=" + cache.origin(img).orElseThrow() + " builds=" + builds.get());
        System.exit(0);
    }
}
