package io.github.bootimage.it;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.Settings;

/** A JVM that resolves debian:bookworm with an extra tree (args[0]) and says whether it ran mkosi. */
public final class ResolveChild {
    private ResolveChild() {
    }

    public static void main(String[] args) {
        Settings s = ImageTier.settings();
        BootImageRuntime f = BootImageRuntime.forHost(s);
        AtomicInteger builds = new AtomicInteger();
        MkosiBuilder mkosi = new MkosiBuilder(f.runner(), s.cacheDir(), s.buildTimeout(), s.incremental());
        ImageCache cache = new ImageCache(s.cacheDir(), MkosiVersion.detect(f.runner()), (spec, config, out, log) -> {
            builds.incrementAndGet();
            System.out.println("BUILDING");
            System.out.flush();
            mkosi.build(spec, config, out, log);
        }, MirrorCheck.none());
        Path tree = Path.of(args[0]);
        Image img = cache.resolve(ImageSpec.of("debian", "bookworm").withExtraTrees(tree.getParent(), tree.getFileName().toString()));
        System.out.println("RESOLVED " + img.entry() + " builds=" + builds.get());
    }
}
