package io.github.bootimage.runner.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs the benchmark sections and prints one table (value, raw baseline, ratio, target) and writes
 * it as JSON. Sections are listed in {@link #sections()}.
 */
public final class Bench {

    private Bench() {
    }

    /** Every section, in the order the table shows them. */
    public static List<BenchSection> sections() {
        return List.of(new FoundationBench(), new AgentBench(), new SshBench(), new QemuBench(), new PerformanceBench(), new BuildBench(), new NetworkBench(),
                new RemoteCacheBench());
    }

    /** Runs the selected sections (all when {@code only} is empty); a failing section is reported, not fatal. */
    public static List<BenchRow> run(BenchContext ctx, Set<String> only) {
        List<BenchRow> rows = new ArrayList<>();
        for (BenchSection s : sections()) {
            if (!only.isEmpty() && !only.contains(s.name())) {
                continue;
            }
            ctx.log().println("bench: running section " + s.name() + " ...");
            try {
                rows.addAll(s.run(ctx));
            } catch (Exception e) {
                ctx.log().println("bench: section " + s.name() + " failed: " + e);
                rows.add(new BenchRow(s.name(), "FAILED: " + e.getMessage(), Double.NaN, "", null, Double.NaN, null, false));
            }
        }
        return rows;
    }

    /** The table as text (Markdown, so README can hold it as printed). */
    public static String table(List<BenchRow> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| section | metric | value | raw baseline | baseline value | ratio | target | met |\n");
        b.append("|---|---|---:|---|---:|---:|---|---|\n");
        for (BenchRow r : rows) {
            b.append("| ").append(r.section()).append(" | ").append(r.metric()).append(" | ")
                    .append(num(r.value())).append(' ').append(r.unit()).append(" | ")
                    .append(r.baseline() == null ? "" : r.baseline()).append(" | ")
                    .append(Double.isNaN(r.baselineValue()) ? "" : num(r.baselineValue()) + " " + r.unit()).append(" | ")
                    .append(Double.isNaN(r.ratio()) ? "" : String.format(Locale.ROOT, "%.2fx", r.ratio())).append(" | ")
                    .append(r.target() == null ? "" : r.target()).append(" | ")
                    .append(r.met() == null ? "" : r.met() ? "yes" : "NO").append(" |\n");
        }
        return b.toString();
    }

    /** The rows as a JSON array. */
    public static String json(List<BenchRow> rows) {
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            BenchRow r = rows.get(i);
            b.append("  {\"section\": ").append(str(r.section())).append(", \"metric\": ").append(str(r.metric()))
                    .append(", \"value\": ").append(jnum(r.value())).append(", \"unit\": ").append(str(r.unit()))
                    .append(", \"baseline\": ").append(r.baseline() == null ? "null" : str(r.baseline()))
                    .append(", \"baselineValue\": ").append(jnum(r.baselineValue()))
                    .append(", \"ratio\": ").append(jnum(r.ratio()))
                    .append(", \"target\": ").append(r.target() == null ? "null" : str(r.target()))
                    .append(", \"met\": ").append(r.met() == null ? "null" : r.met().toString())
                    .append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        return b.append("]\n").toString();
    }

    /** Prints the table and writes the JSON file. */
    public static void report(List<BenchRow> rows, PrintStream out, Path jsonFile) throws IOException {
        out.println(table(rows));
        if (jsonFile != null) {
            Files.createDirectories(jsonFile.toAbsolutePath().getParent());
            Files.writeString(jsonFile, json(rows));
            out.println("bench: wrote " + jsonFile);
        }
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String jnum(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** A JSON string literal for any text (RFC 8259): quotes, backslashes and every control character escaped. */
    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    // Control characters, and the two line separators JavaScript does not allow in strings.
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        // A lone surrogate cannot be written as UTF-8: escaped, it stays valid JSON.
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
