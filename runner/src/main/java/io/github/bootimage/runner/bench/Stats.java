package io.github.bootimage.runner.bench;

import java.util.Arrays;

/** Percentiles of samples in milliseconds. */
public final class Stats {
    private Stats() {
    }

    /** The p-th percentile (0..100) of the samples, nearest rank. */
    public static double percentile(double[] samples, double p) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
    }

    /** Times {@code n} runs of {@code exec("true")} on a machine, in milliseconds, after {@code warmup} untimed ones. */
    public static double[] execTrue(io.github.bootimage.Machine m, int warmup, int n) {
        for (int i = 0; i < warmup; i++) {
            m.exec("true");
        }
        double[] times = new double[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            m.exec(io.github.bootimage.ExecRequest.of("true"));
            times[i] = since(t);
        }
        return times;
    }

    /** Milliseconds since a System.nanoTime() start. */
    public static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
