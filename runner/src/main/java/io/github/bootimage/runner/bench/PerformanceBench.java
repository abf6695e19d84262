package io.github.bootimage.runner.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.ImageCache;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.image.MirrorCheck;
import io.github.bootimage.image.MkosiBuilder;
import io.github.bootimage.image.MkosiConfig;
import io.github.bootimage.image.MkosiVersion;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;
import io.github.bootimage.process.ProcessRunner;

/**
 * Issue "performance": builds with a cold and a warm package cache and an incremental rebuild after a
 * change to an extra tree, each next to a plain mkosi build of the same configuration; eight nspawn
 * machines booted at once; the cost of a machine per test (PER_METHOD) over one per class.
 */
public final class PerformanceBench implements BenchSection {

    @Override
    public String name() {
        return "performance";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        builds(ctx, rows);
        parallelBoots(ctx, rows);
        perMethod(ctx, rows);
        return rows;
    }

    private void builds(BenchContext ctx, List<BenchRow> rows) throws Exception {
        ProcessRunner runner = ctx.factory().runner();
        MkosiVersion v = MkosiVersion.detect(runner);
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "bootimage-bench-cache");
        try {
            ImageCache cache = new ImageCache(root, v, new MkosiBuilder(runner, root, java.time.Duration.ofMinutes(30), true),
                    MirrorCheck.none());
            ImageSpec base = ImageSpec.of("debian", "bookworm").withPackages("procps");
            ctx.log().println("bench: cold build (empty package cache) ...");
            long t = System.nanoTime();
            cache.resolve(base);
            double cold = Stats.since(t) / 1000;

            ImageSpec other = ImageSpec.of("debian", "bookworm").withPackages("procps", "less");
            ctx.log().println("bench: build of another package list with the package cache warm ...");
            t = System.nanoTime();
            cache.resolve(other);
            double warm = Stats.since(t) / 1000;

            Path tree = extraTree(root);
            Files.createDirectories(tree.resolve("etc"));
            Files.writeString(tree.resolve("etc/bench-marker"), Long.toString(System.nanoTime()));
            ImageSpec changed = base.withExtraTrees(tree.getParent(), tree.getFileName().toString());
            ctx.log().println("bench: rebuild after an extra-tree change (incremental) ...");
            t = System.nanoTime();
            cache.resolve(changed);
            double incremental = Stats.since(t) / 1000;

            // The raw baseline: mkosi alone on the same configuration, same warm package cache, no incremental cache.
            Path cfg = root.resolve("plain-config");
            MkosiConfig.of(other, v).writeTo(cfg);
            Path out = Files.createDirectories(root.resolve("plain-out"));
            t = System.nanoTime();
            ProcessRunner.Result r = runner.run(List.of("mkosi", "--directory", cfg.toString(), "--output-dir", out.toString(),
                    "--package-cache-dir", root.resolve("packages/debian-bookworm").toString(), "build"), cfg,
                    java.time.Duration.ofMinutes(30), 50, null);
            double plain = Stats.since(t) / 1000;
            if (!r.succeeded()) {
                throw new IllegalStateException("plain mkosi build failed:\n" + r.output());
            }
            rows.add(new BenchRow(name(), "image build, cold package cache", cold, "s", "plain mkosi build, warm package cache",
                    plain, null, null));
            rows.add(new BenchRow(name(), "image build, other packages, warm package cache", warm, "s",
                    "plain mkosi build, warm package cache", plain, null, null));
            rows.add(new BenchRow(name(), "rebuild after an extra-tree change (incremental)", incremental, "s",
                    "cold build", cold, "<= 0.5x cold", incremental <= 0.5 * cold));
        } finally {
            ImageCache.deleteTree(root);
        }
    }

    /** The extra tree of the incremental build: inside the bench's cache root, so its removal takes it along. */
    static Path extraTree(Path root) throws java.io.IOException {
        return Files.createDirectories(root.resolve("bench-tree"));
    }

    private void parallelBoots(BenchContext ctx, List<BenchRow> rows) throws Exception {
        MachineRequest req = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null, "bench");
        ctx.factory().image(req);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<DefaultMachine> machines = new ArrayList<>();
        try {
            long t = System.nanoTime();
            List<Future<double[]>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> {
                    DefaultMachine m = ctx.factory().boot(req);
                    synchronized (machines) {
                        machines.add(m);
                    }
                    m.exec("true");
                    return new double[] {Stats.since(t)};
                }));
            }
            double slowest = 0;
            for (Future<double[]> f : all) {
                slowest = Math.max(slowest, f.get()[0]);
            }
            double pss = 0;
            for (DefaultMachine m : machines) {
                m.exec("systemctl", "is-system-running", "--wait"); // "running" or "degraded": booted either way
                pss += pssMegabytes(m.guest().processes());
            }
            rows.add(new BenchRow(name(), n + " nspawn machines booted at once: all answered", slowest, "ms", null, Double.NaN,
                    "<= 4000 ms", slowest <= 4000));
            rows.add(new BenchRow(name(), "memory per nspawn machine (PSS, booted, idle)", pss / n, "MB", null, Double.NaN,
                    null, null));
        } finally {
            for (DefaultMachine m : machines) {
                m.close();
            }
            pool.shutdownNow();
        }
    }

    private void perMethod(BenchContext ctx, List<BenchRow> rows) {
        MachineRequest req = new MachineRequest(ImageSpec.of("debian", "bookworm"), Boot.NSPAWN, Transport.CONSOLE, null, "bench");
        int n = 8;
        double[] fresh = new double[n];
        double[] shared = new double[n];
        try (DefaultMachine classMachine = ctx.factory().boot(req)) {
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                classMachine.exec("true");
                shared[i] = Stats.since(t);
            }
        }
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            try (DefaultMachine m = ctx.factory().boot(req)) {
                m.exec("true");
            }
            fresh[i] = Stats.since(t);
        }
        double extra = Stats.percentile(fresh, 50) - Stats.percentile(shared, 50);
        rows.add(new BenchRow(name(), "PER_METHOD cost per test over PER_CLASS (boot + stop), p50", extra, "ms",
                null, Double.NaN, "<= 1000 ms", extra <= 1000));
    }

    /** Proportional set size of processes, in MB (shared pages divided among their users). */
    static double pssMegabytes(List<Long> pids) {
        double kb = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        kb += Double.parseDouble(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (Exception gone) {
                // the process ended
            }
        }
        return kb / 1024;
    }
}
