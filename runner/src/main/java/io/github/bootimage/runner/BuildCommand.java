package io.github.bootimage.runner;

import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherFactory;

import io.github.bootimage.Boot;
import io.github.bootimage.BootImageException;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runtime.MachineRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bootimage build}: builds images ahead of a run, for specs or for the selected test classes. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build (or find in the cache) the images of specs such as debian:bookworm, or of the selected tests.",
                "Exit code 1 when an image could not be built."})
final class BuildCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DISTRO[:RELEASE]", arity = "0..*", description = "Images to build.")
    List<String> specs = new ArrayList<>();

    @Option(names = "--packages", paramLabel = "PKG", split = ",", description = "Packages for the spec images (distro:name allowed).")
    List<String> packages = new ArrayList<>();

    @Option(names = "--boot", defaultValue = "AUTO", description = "auto, nspawn or qemu (qemu images get a kernel).")
    Boot boot;

    @Option(names = "--mkosi-config", paramLabel = "DIR", description = {"Build an mkosi configuration directory of one's own"
            + " as it is (with what booting needs added beside it).",
            "DISTRO[:RELEASE] then overrides its distribution and release, like a @DistroMatrix entry."})
    String mkosiConfig;

    @Option(names = "--tests", description = "Build the class-level images of the selected tests (--class, --package, --classpath).")
    boolean tests;

    @Option(names = {"-d", "--distro"}, paramLabel = "DISTRO[:RELEASE]", description = "With --tests: the matrix distributions (repeatable).")
    List<String> distros = new ArrayList<>();

    @Mixin
    Selection selection;

    @Mixin
    Config config;

    @Override
    public Integer call() throws Exception {
        Map<String, String> params = config.apply();
        BootImageRuntime f = config.runtime();
        Set<MachineRequest> requests = new LinkedHashSet<>();
        if (mkosiConfig != null) {
            if (specs.isEmpty()) {
                requests.add(ImageRequests.project(mkosiConfig, null, packages, boot, Transport.AUTO));
            }
            for (String s : specs) {
                requests.add(ImageRequests.project(mkosiConfig, s, packages, boot, Transport.AUTO));
            }
        } else {
            for (String s : specs) {
                requests.add(ImageRequests.of(s, packages, boot, Transport.AUTO));
            }
        }
        if (tests) {
            URLClassLoader loader = selection.loader();
            ClassLoader before = Thread.currentThread().getContextClassLoader();
            try {
                Thread.currentThread().setContextClassLoader(loader);
                TestPlan tp = LauncherFactory.create().discover(TestCommand.request(selection.selectors(loader), params, null).build());
                for (MatrixPlan.Cell c : MatrixPlan.of(tp, distros).cells()) {
                    if (!c.distro().equals(MatrixPlan.HOST)) {
                        ImageRequests.forClass(c.type(), c.distro()).ifPresent(requests::add);
                    }
                }
            } finally {
                Thread.currentThread().setContextClassLoader(before);
                Selection.close(loader);
            }
        }
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("Nothing to build: name specs (bootimage build debian:bookworm) or use --tests");
        }
        // Independent images build at once, at most bootimage.build.parallelism of them (the image cache bounds
        // its builds the same way; builds of one release still take turns on the release's package cache).
        // One of each release in turn, so that a pool never has all its threads waiting on one release.
        List<MachineRequest> ordered = ImageSpec.inTurnsByRelease(new ArrayList<>(requests), MachineRequest::spec);
        int parallelism = Math.min(f.settings().buildParallelism(), ordered.size());
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallelism);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            int i = 0;
            for (MachineRequest r : ordered) {
                String prefix = "[" + (++i) + "/" + ordered.size() + "] ";
                done.add(pool.submit(() -> {
                    try {
                        ImageRequests.build(f, r, prefix, System.out);
                    } catch (BootImageException | IllegalArgumentException e) {
                        failures.incrementAndGet();
                        System.out.println(prefix + "FAILED " + r.label() + ": " + e.getMessage());
                    }
                }));
            }
            for (var d : done) {
                try {
                    d.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        int failed = failures.get();
        System.out.printf("%d image(s) ready, %d failed; cache %s%n", requests.size() - failed, failed, f.settings().cacheDir());
        return failed > 0 ? 1 : 0;
    }
}
