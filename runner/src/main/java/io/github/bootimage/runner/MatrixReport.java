package io.github.bootimage.runner;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import io.github.bootimage.runner.MatrixResults.Outcome;
import io.github.bootimage.runner.MatrixResults.Status;

/** Prints the distribution x test matrix, the reasons of failures and skips, and the totals. */
final class MatrixReport {
    private MatrixReport() {
    }

    /** Prints the matrix; returns the number of failed cells. */
    static int print(List<Outcome> outcomes, List<String> columns, PrintStream out) {
        Map<String, Map<String, Outcome>> rows = new TreeMap<>();
        for (Outcome o : expand(outcomes)) {
            rows.computeIfAbsent(o.row(), k -> new TreeMap<>()).merge(o.distro(), o, MatrixReport::merge);
        }
        List<String> cols = new ArrayList<>(new TreeSet<>(columns));
        int w0 = Math.max(4, rows.keySet().stream().mapToInt(String::length).max().orElse(4));
        List<Integer> widths = new ArrayList<>();
        for (String c : cols) {
            widths.add(Math.max(c.length(), 12));
        }
        StringBuilder head = new StringBuilder(pad("test", w0));
        for (int i = 0; i < cols.size(); i++) {
            head.append(" | ").append(pad(cols.get(i), widths.get(i)));
        }
        String header = head.toString().stripTrailing();
        out.println(header);
        out.println("-".repeat(header.length()));
        int pass = 0;
        int fail = 0;
        int skip = 0;
        for (Map.Entry<String, Map<String, Outcome>> r : rows.entrySet()) {
            StringBuilder line = new StringBuilder(pad(r.getKey(), w0));
            for (int i = 0; i < cols.size(); i++) {
                Outcome o = r.getValue().get(cols.get(i));
                String cell = o == null ? "-" : o.status() + " " + seconds(o.time());
                line.append(" | ").append(pad(cell, widths.get(i)));
                if (o != null) {
                    switch (o.status()) {
                        case PASS -> pass++;
                        case FAIL -> fail++;
                        case SKIP -> skip++;
                    }
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
        for (Outcome o : outcomes) {
            if (o.status() != Status.PASS && !o.reason().isEmpty()) {
                out.println(o.status() + " [" + o.distro() + "] " + o.row() + ": " + shorten(o.reason(), 400));
            }
        }
        out.printf("%d passed, %d failed, %d skipped on %d distribution(s)%n", pass, fail, skip, cols.size());
        return fail;
    }

    /**
     * A class that did not run its tests in a column ({@code Class.*}) stands for each of its tests
     * seen in other columns, so the matrix shows them all as skipped (or failed) there.
     */
    static List<Outcome> expand(List<Outcome> outcomes) {
        List<Outcome> out = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (!o.row().endsWith(".*")) {
                out.add(o);
                continue;
            }
            String prefix = o.row().substring(0, o.row().length() - 1);
            TreeSet<String> tests = new TreeSet<>();
            for (Outcome other : outcomes) {
                if (other.row().startsWith(prefix) && !other.row().endsWith(".*")) {
                    tests.add(other.row());
                }
            }
            if (tests.isEmpty()) {
                out.add(o);
            }
            for (String t : tests) {
                out.add(new Outcome(o.distro(), t, o.status(), o.time(), o.reason()));
            }
        }
        return out;
    }

    private static Outcome merge(Outcome a, Outcome b) {
        Status s = a.status().compareTo(b.status()) >= 0 ? a.status() : b.status();
        String reason = a.status() == s ? a.reason() : b.reason();
        return new Outcome(a.distro(), a.row(), s, a.time().plus(b.time()), reason);
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
