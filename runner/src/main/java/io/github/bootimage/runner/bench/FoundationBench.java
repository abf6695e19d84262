package io.github.bootimage.runner.bench;

import java.util.ArrayList;
import java.util.List;

import io.github.bootimage.Boot;
import io.github.bootimage.Transport;
import io.github.bootimage.image.Image;
import io.github.bootimage.image.ImageSpec;
import io.github.bootimage.runtime.DefaultMachine;
import io.github.bootimage.runtime.MachineRequest;

/**
 * The foundation's figures: cache-hit resolution, boot to first command over the console next to a
 * raw nspawn boot to its prompt, and exec latency next to nsenter and a bare marker round trip.
 */
public final class FoundationBench implements BenchSection {

    @Override
    public String name() {
        return "foundation";
    }

    @Override
    public List<BenchRow> run(BenchContext ctx) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        ImageSpec spec = ImageSpec.of("debian", "bookworm");
        MachineRequest req = new MachineRequest(spec, Boot.NSPAWN, Transport.CONSOLE, null, "bench");
        Image image = ctx.factory().image(req);

        double[] hits = new double[Math.max(20, ctx.iterations())];
        for (int i = 0; i < hits.length; i++) {
            long t = System.nanoTime();
            ctx.factory().cache().resolve(ctx.factory().effectiveSpec(spec, Boot.NSPAWN, Transport.CONSOLE));
            hits[i] = Stats.since(t);
        }
        rows.add(new BenchRow(name(), "cache-hit resolution p50", Stats.percentile(hits, 50), "ms", null, Double.NaN,
                "<= 50 ms", Stats.percentile(hits, 50) <= 50));

        int boots = 5;
        double[] raw = new double[boots];
        double[] ours = new double[boots];
        double[] marker = new double[Math.max(50, ctx.iterations())];
        double[] nsenter = new double[Math.max(20, ctx.iterations() / 5)];
        String path = ctx.factory().tools().path();
        for (int i = 0; i < boots; i++) {
            try (RawNspawn r = new RawNspawn(image, path)) {
                raw[i] = r.bootMillis;
                if (i == 0) {
                    for (int k = 0; k < marker.length; k++) {
                        marker[k] = r.roundTrip(k);
                    }
                    long init = r.guestInit();
                    for (int k = 0; k < nsenter.length; k++) {
                        long t = System.nanoTime();
                        Process p = new ProcessBuilder("nsenter", "-t", Long.toString(init), "-a", "true").start();
                        p.waitFor();
                        nsenter[k] = Stats.since(t);
                    }
                }
            }
            long t = System.nanoTime();
            try (DefaultMachine m = ctx.factory().boot(req)) {
                m.exec("true");
                ours[i] = Stats.since(t);
            }
        }
        double rawP50 = Stats.percentile(raw, 50);
        double oursP50 = Stats.percentile(ours, 50);
        rows.add(new BenchRow(name(), "nspawn boot to first command (console) p50 of " + boots, oursP50, "ms",
                "raw systemd-nspawn to autologin prompt", rawP50, "<= 1.5x raw", oursP50 <= 1.5 * rawP50));

        double[] exec;
        try (DefaultMachine m = ctx.factory().boot(req)) {
            exec = Stats.execTrue(m, 20, Math.max(200, ctx.iterations()));
        }
        double p50 = Stats.percentile(exec, 50);
        rows.add(new BenchRow(name(), "exec(true) over console p50", p50, "ms", "bare marker round trip p50",
                Stats.percentile(marker, 50), "<= 5 ms", p50 <= 5));
        rows.add(new BenchRow(name(), "exec(true) over console p95", Stats.percentile(exec, 95), "ms",
                "bare marker round trip p95", Stats.percentile(marker, 95), null, null));
        rows.add(new BenchRow(name(), "exec(true) over console p50", p50, "ms", "nsenter -t PID -a true p50",
                Stats.percentile(nsenter, 50), null, null));
        return rows;
    }
}
