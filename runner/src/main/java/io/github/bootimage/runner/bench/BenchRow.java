package io.github.bootimage.runner.bench;

/**
 * One figure of the benchmark table.
 *
 * @param section  which part it measures ("foundation", "ssh", "qemu", "performance")
 * @param metric   what is measured, such as "exec(true) over console p50"
 * @param value    the measured value
 * @param unit     "ms", "s", "MB"
 * @param baseline the raw baseline's name, or null when the row has none
 * @param baselineValue the baseline's value (same unit), or NaN
 * @param target   the target as text, such as {@code "<= 1.5x raw"} or {@code "<= 5 ms"}, or null
 * @param met      whether the target is met (null when there is no target)
 */
public record BenchRow(String section, String metric, double value, String unit, String baseline,
                       double baselineValue, String target, Boolean met) {

    /** value / baselineValue, or NaN. */
    public double ratio() {
        return Double.isNaN(baselineValue) || baselineValue == 0 ? Double.NaN : value / baselineValue;
    }
}
