package io.github.bootimage.runner.bench;

import io.github.bootimage.runtime.BootImageRuntime;

/**
 * What every section gets.
 *
 * @param factory    boots machines and resolves images (one cache for the run)
 * @param iterations how many repetitions latency figures use
 * @param log        progress output
 */
public record BenchContext(BootImageRuntime factory, int iterations, java.io.PrintStream log) {
}
