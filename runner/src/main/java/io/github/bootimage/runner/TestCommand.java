package io.github.bootimage.runner;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

import io.github.bootimage.BootImageException;
import io.github.bootimage.DistroMatrix;
import io.github.bootimage.image.MirrorUnavailableException;
import io.github.bootimage.runtime.BootImageRuntime;
import io.github.bootimage.runner.MatrixPlan.ClassInfo;
import io.github.bootimage.runner.MatrixResults.Outcome;
import io.github.bootimage.runner.MatrixResults.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bootimage test}: runs the selected tests once per distribution through the JUnit Platform
 * launcher, prints the distribution x test matrix, writes JUnit XML per distribution, and exits 1
 * when any test failed.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Run test classes across distributions and print a distribution x test matrix.",
                "Each distribution's run writes JUnit XML to REPORTS/<distro>[.shard-i-of-n]/. Exit code: 0 all passed"
                        + " (or skipped), 1 a test failed, 2 bad usage."})
final class TestCommand implements Callable<Integer> {
    private static final Pattern SHARD = Pattern.compile("(\\d+)/(\\d+)");

    @Mixin
    Selection selection;

    @Mixin
    Config config;

    @Option(names = {"-d", "--distro"}, paramLabel = "DISTRO[:RELEASE]",
            description = "Run every @DistroMatrix on these distributions (repeatable; sets bootimage.distros).")
    List<String> distros = new ArrayList<>();

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "1", description = "Distributions run at once (default 1).")
    int parallel;

    @Option(names = "--shard", paramLabel = "I/N",
            description = "Run only shard I of N of the (distribution, class) cells: a stable round-robin split for CI jobs.")
    String shard;

    @Option(names = "--reports", paramLabel = "DIR", defaultValue = "target/bootimage-reports",
            description = "Where JUnit XML goes (default target/bootimage-reports).")
    Path reports;

    @Option(names = "--unavailable", paramLabel = "fail|skip",
            description = "What an unreachable distribution mirror does (bootimage.unavailable; default fail).")
    String unavailable;

    @Override
    public Integer call() throws Exception {
        if (unavailable != null) {
            config.properties.put("bootimage.unavailable", unavailable);
        }
        Map<String, String> params = config.apply();
        int[] sh = parseShard(shard);
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel " + parallel + " is not valid: give 1 or more");
        }
        PrintStream err = System.err;
        URLClassLoader planLoader = selection.loader();
        MatrixPlan plan;
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try {
            Thread.currentThread().setContextClassLoader(planLoader);
            selection.checkClasses(planLoader);
            TestPlan tp;
            try {
                tp = LauncherFactory.create().discover(request(selection.selectors(planLoader), params, null).build());
            } catch (RuntimeException e) {
                if (e.getClass().getSimpleName().equals("DiscoveryIssueException")) {
                    throw new IllegalArgumentException("Test discovery failed: " + e.getMessage().lines().limit(4)
                            .map(String::strip).reduce((a, b) -> a + " " + b).orElse(e.toString()), e);
                }
                throw e;
            }
            plan = MatrixPlan.of(tp, distros);
            if (plan.cells().isEmpty()) {
                throw new IllegalArgumentException("No test classes found in the selection (classes " + selection.classes
                        + ", packages " + selection.packages + ", classpath " + selection.entries() + ")");
            }
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
        List<MatrixPlan.Cell> cells = sh == null ? plan.cells() : plan.shard(sh[0], sh[1]);
        Map<String, ClassInfo> info = new LinkedHashMap<>();
        plan.cells().forEach(c -> info.put(c.type().getName(), plan.info(c.type())));
        Map<String, List<Class<?>>> groups = MatrixPlan.byDistro(cells);
        err.printf("bootimage: %d cell(s) (distribution x class)%s, %d to run on %s%n", plan.cells().size(),
                sh == null ? "" : ", shard " + sh[0] + "/" + sh[1], cells.size(), groups.keySet());
        Selection.close(planLoader);

        List<Outcome> all = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "bootimage-distro");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<Outcome>>> runs = new ArrayList<>();
            for (Map.Entry<String, List<Class<?>>> g : groups.entrySet()) {
                List<String> names = g.getValue().stream().map(Class::getName).toList();
                runs.add(pool.submit(() -> runDistro(g.getKey(), names, info, params, sh, err)));
            }
            for (Future<List<Outcome>> f : runs) {
                all.addAll(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println();
        int failed = MatrixReport.print(all, new ArrayList<>(groups.keySet()), System.out);
        System.out.println("JUnit XML: " + reports.toAbsolutePath());
        return failed > 0 ? 1 : 0;
    }

    private List<Outcome> runDistro(String distro, List<String> classNames, Map<String, ClassInfo> info,
                                    Map<String, String> params, int[] sh, PrintStream err) throws IOException {
        String prefix = "[" + distro + "] ";
        MatrixResults results = new MatrixResults(distro, err);
        URLClassLoader loader = selection.loader();
        Thread me = Thread.currentThread();
        ClassLoader before = me.getContextClassLoader();
        me.setContextClassLoader(loader);
        try {
            List<String> toRun = new ArrayList<>();
            Map<Object, String> prebuilt = new java.util.concurrent.ConcurrentHashMap<>();
            if (distro.equals(MatrixPlan.HOST)) {
                toRun.addAll(classNames);
            } else {
                // The classes' images build at once, at most bootimage.build.parallelism of them.
                java.util.concurrent.ExecutorService builds = java.util.concurrent.Executors.newFixedThreadPool(
                        Math.max(1, Math.min(config.runtime().settings().buildParallelism(), classNames.size())));
                try {
                    List<java.util.concurrent.Future<Boolean>> ok = new ArrayList<>();
                    for (String name : classNames) {
                        Class<?> type = Class.forName(name, false, loader);
                        ok.add(builds.submit(() -> {
                            Thread.currentThread().setContextClassLoader(loader);
                            return prebuild(type, distro, prefix, results, err, prebuilt);
                        }));
                    }
                    for (int i = 0; i < classNames.size(); i++) {
                        if (ok.get(i).get()) {
                            toRun.add(classNames.get(i));
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while building the images of " + distro, e);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                } finally {
                    builds.shutdownNow();
                }
            }
            if (toRun.isEmpty()) {
                return results.outcomes();
            }
            err.println(prefix + "running " + toRun.size() + " class(es)");
            var req = request(toRun.stream().map(n -> DiscoverySelectors.selectClass(loader, n)).toList(), params,
                    distro.equals(MatrixPlan.HOST) || distro.equals(MatrixPlan.MKOSI) ? null : distro);
            req.filters(columnFilter(distro, info));
            Path dir = reports.resolve(distro.replace(':', '-') + (sh == null ? "" : ".shard-" + sh[0] + "-of-" + sh[1]));
            Files.createDirectories(dir);
            Launcher launcher = LauncherFactory.create();
            launcher.execute(req.build(), results,
                    new LegacyXmlReportGeneratingListener(dir, new PrintWriter(err, true)));
            nameSuites(dir, distro);
            return results.outcomes();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Test class vanished between discovery and run: " + e.getMessage(), e);
        } finally {
            me.setContextClassLoader(before);
            Selection.close(loader);
        }
    }

    /** Builds the class's image before its tests run; false (with a FAIL or SKIP row) when it cannot be built. */
    private boolean prebuild(Class<?> type, String distro, String prefix, MatrixResults results, PrintStream err,
                             Map<Object, String> done) {
        var r = ImageRequests.forClass(type, distro);
        if (r.isEmpty()) {
            return true;
        }
        var project = r.get().project();
        Object key = List.of(r.get().spec(), r.get().boot(), r.get().transport(), project == null ? ""
                : project.project().directory() + "|" + project.distro() + "|" + project.release() + "|" + project.override());
        // putIfAbsent: of two classes with one image, the second waits on the first's build in the image cache.
        String earlier = done.putIfAbsent(key, "");
        if (earlier != null) {
            if (!earlier.isEmpty()) {
                results.add(new Outcome(distro, simple(type) + ".*", Status.FAIL, java.time.Duration.ZERO, earlier));
            }
            return earlier.isEmpty();
        }
        long t0 = System.nanoTime();
        BootImageRuntime f = config.runtime();
        try {
            ImageRequests.build(f, r.get(), prefix, err);
            return true;
        } catch (MirrorUnavailableException e) {
            // Run it anyway: the extension meets the same (remembered) answer at once and fails or skips the
            // class by bootimage.unavailable, so the JUnit XML holds the reason too.
            err.println(prefix + "mirror unreachable: " + MatrixResults.firstLine(e));
            return true;
        } catch (BootImageException | IllegalArgumentException e) {
            done.put(key, MatrixResults.firstLine(e));
            results.add(new Outcome(distro, simple(type) + ".*", Status.FAIL,
                    java.time.Duration.ofNanos(System.nanoTime() - t0), MatrixResults.firstLine(e)));
            return false;
        }
    }

    private static String simple(Class<?> c) {
        String n = c.getName();
        return n.substring(n.lastIndexOf('.') + 1).replace('$', '.');
    }

    static LauncherDiscoveryRequestBuilder request(List<? extends org.junit.platform.engine.DiscoverySelector> selectors,
                                                   Map<String, String> params, String distros) {
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request().selectors(selectors)
                .configurationParameters(params);
        if (distros != null) {
            b.configurationParameter("bootimage.distros", distros);
        }
        return b;
    }

    /**
     * In the run of one column, a class's non-matrix tests run only in its home column, and method
     * matrices only in their own columns.
     */
    private static PostDiscoveryFilter columnFilter(String distro, Map<String, ClassInfo> info) {
        return d -> {
            if (d.getSource().orElse(null) instanceof MethodSource ms) {
                ClassInfo ci = info.get(ms.getClassName());
                if (ci == null || ci.classMatrix()) {
                    return FilterResult.included("not a column-specific test");
                }
                Method m = ms.getJavaMethod();
                boolean matrix = AnnotationSupport.isAnnotated(m, DistroMatrix.class);
                boolean in = matrix ? ci.matrix().contains(distro) : ci.home().equals(distro);
                return in ? FilterResult.included("runs on " + distro)
                        : FilterResult.excluded(ms.getMethodName() + " does not run on " + distro);
            }
            return FilterResult.included("container");
        };
    }

    /**
     * Names each XML test suite and test case after its distribution, so the reports of many
     * distributions and shards merge into one without two test cases of the same name.
     */
    static void nameSuites(Path dir, String distro) throws IOException {
        String tag = " [" + Matcher.quoteReplacement(distro) + "]";
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".xml")).toList()) {
                String xml = Files.readString(p, StandardCharsets.UTF_8);
                xml = xml.replaceFirst("<testsuite name=\"([^\"]*)\"", "<testsuite name=\"$1" + tag + "\"");
                if (!distro.equals(MatrixPlan.HOST)) {
                    xml = xml.replaceAll("<testcase name=\"([^\"]*)\"", "<testcase name=\"$1" + tag + "\"");
                }
                Files.writeString(p, xml, StandardCharsets.UTF_8);
            }
        }
    }

    static int[] parseShard(String s) {
        if (s == null) {
            return null;
        }
        Matcher m = SHARD.matcher(s.strip());
        if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(1)) < 1
                || Integer.parseInt(m.group(1)) > Integer.parseInt(m.group(2))) {
            throw new IllegalArgumentException("--shard '" + s + "' is not valid: give I/N with 1 <= I <= N, such as --shard 2/4");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}
