package io.github.bootimage.runner;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Collects the outcome of every test of one distribution's run as rows of the matrix, and prints
 * progress lines as tests finish. A container that ends without running its tests (a class whose
 * image could not be built or whose mirror is unreachable) becomes one row {@code Class.*}.
 */
final class MatrixResults implements TestExecutionListener {

    /** PASS, FAIL or SKIP. */
    enum Status { PASS, SKIP, FAIL }

    /**
     * One outcome.
     *
     * @param distro the column
     * @param row    {@code Class.method}
     * @param status the outcome
     * @param time   how long it took
     * @param reason why it failed or was skipped (first line), or empty
     */
    record Outcome(String distro, String row, Status status, Duration time, String reason) {
    }

    private final String distro;
    private final PrintStream progress;
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    private final Map<String, Boolean> ranTests = new ConcurrentHashMap<>();
    private TestPlan plan;

    MatrixResults(String distro, PrintStream progress) {
        this.distro = distro;
        this.progress = progress;
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    void add(Outcome o) {
        outcomes.add(o);
        line(o);
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionStarted(TestIdentifier id) {
        started.put(id.getUniqueId(), System.nanoTime());
        if (id.isTest()) {
            markAncestors(id);
        }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        record(id, Status.SKIP, Duration.ZERO, reason);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        Long t0 = started.remove(id.getUniqueId());
        Duration took = t0 == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - t0);
        Status s = switch (result.getStatus()) {
            case SUCCESSFUL -> Status.PASS;
            case ABORTED -> Status.SKIP;
            case FAILED -> Status.FAIL;
        };
        String reason = result.getThrowable().map(MatrixResults::firstLine).orElse("");
        if (!id.isTest() && s == Status.PASS && className(id.getSource()).isPresent() && ranTests.containsKey(id.getUniqueId())
                && !id.getUniqueIdObject().getLastSegment().getType().equals("class-template")) {
            synchronized (progress) {
                progress.printf("[%s] %s done in %s (boot and tear-down included)%n", distro,
                        row(id).orElse("").replace(".*", ""), MatrixReport.seconds(took));
            }
        }
        if (id.isTest()) {
            record(id, s, took, reason);
        } else if (s != Status.PASS && !ranTests.containsKey(id.getUniqueId())) {
            record(id, s, took, reason); // a class (or template) that never ran its tests
        } else if (s == Status.FAIL && className(id.getSource()).isPresent()) {
            record(id, s, took, reason); // tests ran, but the class's own set-up or tear-down failed
        }
    }

    private void record(TestIdentifier id, Status s, Duration took, String reason) {
        Optional<String> row = row(id);
        if (row.isPresent()) {
            add(new Outcome(distro, row.get(), s, took, reason == null ? "" : reason));
        }
    }

    private void markAncestors(TestIdentifier id) {
        for (Optional<TestIdentifier> p = plan == null ? Optional.empty() : plan.getParent(id); p.isPresent();
             p = plan.getParent(p.get())) {
            ranTests.put(p.get().getUniqueId(), true);
        }
    }

    /** {@code Class.method} for a test, {@code Class.*} for a class-level container. */
    private Optional<String> row(TestIdentifier id) {
        TestSource src = id.getSource().orElse(null);
        if (src instanceof MethodSource m) {
            return Optional.of(simple(m.getClassName()) + "." + m.getMethodName());
        }
        if (src instanceof ClassSource c) {
            return Optional.of(simple(c.getClassName()) + ".*");
        }
        return Optional.empty();
    }

    private static Optional<String> className(Optional<TestSource> src) {
        return src.filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getClassName());
    }

    private static String simple(String className) {
        String s = className.substring(className.lastIndexOf('.') + 1);
        return s.replace('$', '.');
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private void line(Outcome o) {
        synchronized (progress) {
            progress.printf("[%s] %-4s %s (%s)%s%n", o.distro(), o.status(), o.row(), MatrixReport.seconds(o.time()),
                    o.reason().isEmpty() ? "" : ": " + MatrixReport.shorten(o.reason(), 160));
        }
    }
}
